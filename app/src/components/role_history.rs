//! Switching again to a role from the history: a plain form POST to `/role/switch` (works
//! without scripts; the server checks everything again), shown as a list with colour chips.

use leptos::prelude::*;

use crate::api::identity::grouped_account_id;
use types::role_history::RoleHistoryEntry;

/// A form that switches to `entry` with one click. `menu_item` renders the button as an item of
/// the account menu.
#[component]
pub fn SwitchAgainForm(
    entry: RoleHistoryEntry,
    #[prop(optional)] menu_item: bool,
    /// Where to land after the switch (a page path; the server puts it in the new session).
    #[prop(optional, into)]
    redirect_uri: Option<Signal<String>>,
    /// The button's classes outside the menu (default `button`).
    #[prop(optional)]
    class: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let label = format!(
        "Switch to {} ({} in {})",
        entry.display_name,
        entry.role,
        entry.account_label()
    );
    view! {
        <form method="post" action="/role/switch" class="switch-again">
            <input type="hidden" name="account" value=entry.account_id.clone() />
            <input type="hidden" name="role" value=entry.role.clone() />
            <input type="hidden" name="display_name" value=entry.display_name.clone() />
            <input type="hidden" name="color" value=entry.color.clone() />
            {redirect_uri.map(|to| view! { <input type="hidden" name="redirect_uri" value=move || to.get() /> })}
            {if menu_item {
                view! {
                    <button role="menuitem" tabindex="-1" type="submit" aria-label=label>{children()}</button>
                }.into_any()
            } else {
                view! {
                    <button class=class.unwrap_or("button") type="submit" aria-label=label>{children()}</button>
                }.into_any()
            }}
        </form>
    }
}

/// The user's roles, filtered by `filter` (display name, role or account).
#[component]
pub fn RoleHistoryList(entries: Vec<RoleHistoryEntry>, filter: Signal<String>) -> impl IntoView {
    let total = entries.len();
    let entries = StoredValue::new(entries);
    let shown = move || {
        let needle = filter.get();
        entries.with_value(|all| {
            all.iter()
                .filter(|e| e.matches(&needle))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <ul class="role-list history-list">
            <For each=shown key=|e| (e.account_id.clone(), e.role.clone()) let(entry)>
                <li>
                    <span class="swatch-chip" style:background-color=entry.color.clone() aria-hidden="true"></span>
                    <div class="grow">
                        <div class="role-name">{entry.display_name.clone()}</div>
                        <div class="muted small">
                            <span class="mono">{entry.role.clone()}</span> " · " {entry.account_label().to_string()} " · "
                            <span class="mono">{grouped_account_id(&entry.account_id)}</span> " · "
                            {format!("{} switch{}", entry.uses, if entry.uses == 1 { "" } else { "es" })}
                        </div>
                    </div>
                    <SwitchAgainForm entry=entry.clone()>"Switch"</SwitchAgainForm>
                </li>
            </For>
        </ul>
        <p class="muted small" aria-live="polite">
            {move || {
                let n = shown().len();
                if n == total { format!("{total} role{}", if total == 1 { "" } else { "s" }) }
                else { format!("{n} of {total} roles match the filter") }
            }}
        </p>
    }
}
