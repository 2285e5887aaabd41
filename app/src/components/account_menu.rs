//! The account menu in the navbar: who you are, your account ID, and where to go next.
//!
//! Keyboard use follows the WAI-ARIA menu button pattern (Enter, Space or arrow keys open it,
//! arrows move, Escape closes and returns focus). Before the WASM has loaded, the panel opens
//! with CSS on focus and "Sign out" is a plain form POST, so it works without scripts.

use leptos::prelude::*;

use crate::api::identity::{IdentitySummary, grouped_account_id};
use crate::components::copy_button::CopyButton;
use crate::components::role_history::SwitchAgainForm;
use crate::components::session_banner::{SwitchBackForm, format_remaining, now_seconds};
use crate::tab::tab_href;
use types::role_history::RoleHistoryEntry;
use types::role_sessions::in_tab;

#[component]
pub fn AccountMenu(identity: IdentitySummary) -> impl IntoView {
    let open = RwSignal::new(false);
    let root = NodeRef::<leptos::html::Div>::new();
    let button = NodeRef::<leptos::html::Button>::new();

    let focus_item = move |which: MenuFocus| {
        #[cfg(feature = "hydrate")]
        focus_menu_item(root, which);
        #[cfg(not(feature = "hydrate"))]
        let _ = which;
    };
    let close_and_refocus = move || {
        open.set(false);
        if let Some(button) = button.get_untracked() {
            let _ = button.focus();
        }
    };

    let on_button_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Enter" | " " | "ArrowDown" => {
            ev.prevent_default();
            open.set(true);
            focus_item(MenuFocus::First);
        }
        "ArrowUp" => {
            ev.prevent_default();
            open.set(true);
            focus_item(MenuFocus::Last);
        }
        _ => {}
    };
    let on_menu_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "ArrowDown" => {
            ev.prevent_default();
            focus_item(MenuFocus::Next);
        }
        "ArrowUp" => {
            ev.prevent_default();
            focus_item(MenuFocus::Previous);
        }
        "Home" => {
            ev.prevent_default();
            focus_item(MenuFocus::First);
        }
        "End" => {
            ev.prevent_default();
            focus_item(MenuFocus::Last);
        }
        "Escape" => {
            ev.prevent_default();
            close_and_refocus();
        }
        "Tab" => open.set(false),
        _ => {}
    };
    // Closing when focus leaves the menu covers both clicking elsewhere and tabbing away.
    let on_focus_out = move |ev: leptos::ev::FocusEvent| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let inside = ev
                .related_target()
                .and_then(|t| t.dyn_into::<leptos::web_sys::Node>().ok())
                .zip(root.get_untracked())
                .is_some_and(|(target, root)| root.contains(Some(&target)));
            if !inside {
                open.set(false);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };

    let label = identity.label();
    let recent_roles = identity.recent_roles.clone();
    let favourite_roles = identity.favourite_roles.clone();
    let role_sessions = identity.role_sessions.clone();
    let has_history = !recent_roles.is_empty();
    let has_favourites = !favourite_roles.is_empty();
    let has_sessions = !role_sessions.is_empty();
    let tab_session = identity.role.as_ref().map(|r| r.session_id.clone());
    let now = now_seconds();
    let role = identity.role.clone();
    let account_id = identity.account_id.clone();
    let grouped_id = grouped_account_id(&identity.account_id);
    view! {
        <div
            class="account-menu"
            class:open=move || open.get()
            node_ref=root
            on:focusout=on_focus_out
        >
            <button
                type="button"
                id="account-menu-button"
                class="account-button"
                aria-haspopup="menu"
                aria-controls="account-menu"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                node_ref=button
                on:click=move |_| open.update(|o| *o = !*o)
                on:keydown=on_button_keydown
            >
                {match role.clone() {
                    Some(role) => view! {
                        <span class="role-pill" style:background-color=role.color.clone()>{role.display_name.clone()}</span>
                        <span class="visually-hidden">{format!(", signed in as {label}")}</span>
                    }.into_any(),
                    None => view! {
                        <span class="account-avatar" aria-hidden="true">
                            {identity.user_name.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default()}
                        </span>
                        <span class="account-label">{label.clone()}</span>
                    }.into_any(),
                }}
                <svg class="caret" viewBox="0 0 12 12" width="12" height="12" aria-hidden="true">
                    <path d="M2 4l4 4 4-4" fill="none" stroke="currentColor" stroke-width="1.8" />
                </svg>
            </button>
            <div class="menu-panel" id="account-menu" on:keydown=on_menu_keydown>
                {role.clone().map(|role| view! {
                    <div class="menu-header role-header" style:border-left-color=role.color.clone()>
                        <div class="menu-caption">"Currently active as"</div>
                        <div class="menu-user">{role.display_name.clone()}</div>
                        <div class="menu-caption">
                            "Role " <span class="mono">{role.role_name.clone()}</span> " · account "
                            <span class="mono">{grouped_account_id(&role.account_id)}</span>
                        </div>
                    </div>
                })}
                <div class="menu-header">
                    <div class="menu-caption">{if role.is_some() { format!("Signed in as {label}") } else { "Signed in as".to_string() }}</div>
                    <div class="menu-user">{identity.user_name.clone()}</div>
                    <div class="menu-account">
                        <span class="menu-caption">"Account ID"</span>
                        <span class="mono account-id">{grouped_id}</span>
                        <CopyButton value=account_id what="account ID" />
                    </div>
                    <Show when={
                        let admin = identity.is_admin;
                        move || admin
                    }>
                        <div class="menu-caption">"Console administrator"</div>
                    </Show>
                </div>
                <ul role="menu" aria-labelledby="account-menu-button" class="menu-items">
                    {has_sessions.then(|| view! {
                        <li role="none" class="menu-caption menu-group-label" id="menu-role-sessions" aria-hidden="true">"Role sessions"</li>
                    })}
                    {role_sessions.into_iter().map(|held| {
                        let current = tab_session.as_deref() == Some(held.session_id.as_str());
                        let left = held.expires_at - now;
                        let time_left = if left > 0 { format!("{} left", format_remaining(left)) } else { "ended".to_string() };
                        view! {
                            <li role="none" class="history-item session-item">
                                <a role="menuitem" tabindex="-1" rel="external"
                                    href=in_tab(Some(&held.session_id), "/")
                                    aria-label=format!("Use {}", held.label())
                                    aria-current=current.then_some("true")>
                                    <span class="swatch-chip small" style:background-color=held.color.clone() aria-hidden="true"></span>
                                    <span class="history-name">{held.display_name.clone()}</span>
                                    <span class="menu-caption session-time">{time_left}</span>
                                </a>
                            </li>
                        }
                    }).collect_view()}
                    {has_sessions.then(|| view! {
                        <li role="none">
                            <form method="post" action="/role/end-all">
                                <button role="menuitem" tabindex="-1" type="submit">"End all role sessions"</button>
                            </form>
                        </li>
                    })}
                    {has_favourites.then(|| view! {
                        <li role="none" class="menu-caption menu-group-label" class:menu-separator=has_sessions aria-hidden="true">"Favourites"</li>
                    })}
                    {switch_items(favourite_roles)}
                    {has_history.then(|| view! {
                        <li role="none" class="menu-caption menu-group-label" class:menu-separator=has_sessions || has_favourites aria-hidden="true">"Role history"</li>
                    })}
                    {switch_items(recent_roles.into_iter().take(types::role_history::MENU_ENTRIES).collect())}
                    <li role="none" class:menu-separator=has_history || has_favourites || has_sessions>
                        <a role="menuitem" tabindex="-1" href=tab_href("/switchrole") on:click=move |_| open.set(false)>"Switch role"</a>
                    </li>
                    <li role="none">
                        <a role="menuitem" tabindex="-1" href=tab_href("/security-credentials") on:click=move |_| open.set(false)>"Security credentials"</a>
                    </li>
                    {tab_session.clone().map(|session_id| view! {
                        <li role="none">
                            <SwitchBackForm session_id menu_item=true />
                        </li>
                    })}
                    <li role="none" class="menu-separator">
                        <form method="post" action="/auth/sign-out">
                            <button role="menuitem" tabindex="-1" type="submit">"Sign out"</button>
                        </form>
                    </li>
                </ul>
            </div>
        </div>
    }
}

/// One-click switches as menu items (favourites, role history).
fn switch_items(entries: Vec<RoleHistoryEntry>) -> impl IntoView {
    entries
        .into_iter()
        .map(|entry| {
            view! {
                <li role="none" class="history-item">
                    <SwitchAgainForm entry=entry.clone() menu_item=true>
                        <span class="swatch-chip small" style:background-color=entry.color.clone() aria-hidden="true"></span>
                        <span class="history-name">{entry.display_name.clone()}</span>
                    </SwitchAgainForm>
                </li>
            }
        })
        .collect_view()
}

#[derive(Clone, Copy)]
enum MenuFocus {
    First,
    Last,
    Next,
    Previous,
}

/// Moves focus among the menu's items, wrapping around at both ends.
#[cfg(feature = "hydrate")]
fn focus_menu_item(root: NodeRef<leptos::html::Div>, which: MenuFocus) {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::HtmlElement;
    let Some(root) = root.get_untracked() else {
        return;
    };
    let Ok(list) = root.query_selector_all("[role=menuitem]") else {
        return;
    };
    let items: Vec<HtmlElement> = (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .collect();
    if items.is_empty() {
        return;
    }
    let active = document().active_element();
    let current = items.iter().position(|item| {
        active
            .as_ref()
            .is_some_and(|a| a == item.unchecked_ref::<leptos::web_sys::Element>())
    });
    let last = items.len() - 1;
    let index = match (which, current) {
        (MenuFocus::First, _) | (MenuFocus::Next, None) => 0,
        (MenuFocus::Last, _) | (MenuFocus::Previous, None) => last,
        (MenuFocus::Next, Some(i)) => {
            if i == last {
                0
            } else {
                i + 1
            }
        }
        (MenuFocus::Previous, Some(i)) => {
            if i == 0 {
                last
            } else {
                i - 1
            }
        }
    };
    // The panel becomes visible in the same tick; focus after the browser has laid it out.
    let target = items[index].clone();
    request_animation_frame(move || {
        let _ = target.focus();
    });
}
