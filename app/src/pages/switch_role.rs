//! The Switch Role page. Query parameters (`account`, `roleName`, `displayName`, `color`,
//! `redirect_uri`) only fill the form: nothing switches until the user selects "Switch Role".

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::identity::{ConsoleContextResource, RoleSummary};
use crate::api::roles::{SetFavouriteRole, load_role_catalog};
use crate::api::switching::{SwitchRole, load_role_history};
use crate::components::mfa_code_field::MfaCodeField;
use crate::components::page::{PageHeader, error_message};
use crate::components::request_access::AccessRequestSections;
use crate::components::role_history::{RoleHistoryList, SwitchAgainForm};
use crate::components::session_banner::{format_remaining, now_seconds};
use crate::components::step_up::StepUpDialog;
use crate::tab::tab_href;
use types::identity::grouped_account_id;
use types::links::safe_local_path;
use types::palette::{PALETTE, color_name, resolve_color};
use types::roles::CatalogEntry;
use types::switching::{MFA_SETUP_MESSAGE, NOT_ALLOWED_MESSAGE, SwitchOutcome, all_in_use_message};

#[component]
pub fn SwitchRolePage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.with_untracked(|q| q.get(name).unwrap_or_default());
    let from_link = [
        "account",
        "roleName",
        "displayName",
        "color",
        "redirect_uri",
    ]
    .iter()
    .any(|name| !param(name).is_empty())
        // The console's own redirects after a refused attempt fill the form too; no link there.
        && param("renew").is_empty()
        && param("switch").is_empty();
    let redirect_param = param("redirect_uri");
    let redirect_uri = safe_local_path(&redirect_param)
        .unwrap_or_default()
        .to_string();
    let redirect_dropped = !redirect_param.is_empty() && redirect_uri.is_empty();
    // Where an earlier attempt (a one-click switch or Renew) ended.
    let earlier = match (param("renew").as_str(), param("switch").as_str()) {
        ("refused", _) | (_, "refused") => Some(("error", NOT_ALLOWED_MESSAGE)),
        ("mfa", _) | (_, "mfa") => Some((
            "warning",
            "This role needs a fresh multi-factor authentication. Select Switch Role to confirm with MFA.",
        )),
        ("mfa-setup", _) | (_, "mfa-setup") => Some(("error", MFA_SETUP_MESSAGE)),
        ("code", _) | (_, "code") => Some((
            "warning",
            "This role needs the current code of its MFA device. Enter it, then select Switch Role.",
        )),
        (_, "unavailable") => Some((
            "error",
            "Switching is unavailable right now. Try again later.",
        )),
        // All role sessions in use: the replace choice below says so and asks.
        _ => None,
    };
    let asked_to_replace = param("switch") == "full";
    let color_param = param("color");
    let link_color = resolve_color(&color_param);
    let color_invalid = !color_param.is_empty() && link_color.is_none();
    let chosen = RwSignal::new(link_color.unwrap_or_default());

    let action = ServerAction::<SwitchRole>::new();
    let outcome = action.value();
    // Step-up: remember what was submitted, ask for MFA, then submit it once more.
    let last_input = RwSignal::new(None::<SwitchRole>);
    Effect::new(move |_| {
        if let Some(input) = action.input().get() {
            last_input.set(Some(input));
        }
    });
    let step_up_open = RwSignal::new(false);
    let retried = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(SwitchOutcome::StepUp)) = outcome.get() {
            if retried.get_untracked() {
                // Asked once already: this time the answer stands.
                return;
            }
            step_up_open.set(true);
        }
    });
    let retry_after_mfa = move |_| {
        if let Some(input) = last_input.get_untracked() {
            retried.set(true);
            action.dispatch(input);
        }
    };
    // A switch changes the whole console (navbar, banner, permissions): load the next page anew.
    Effect::new(move |_| {
        if let Some(Ok(SwitchOutcome::Switched { to })) = outcome.get() {
            #[cfg(feature = "hydrate")]
            let _ = window().location().set_href(&to);
            #[cfg(not(feature = "hydrate"))]
            let _ = to;
        }
    });
    let field_error = move |name: &'static str| {
        move || match outcome.get() {
            Some(Ok(SwitchOutcome::Field { field, message })) if field == name => Some(message),
            _ if name == "color" && color_invalid && outcome.get().is_none() => Some(
                "The colour in the link is not one of the palette's colours or a hex colour."
                    .to_string(),
            ),
            _ => None,
        }
    };
    let all_in_use = move || matches!(outcome.get(), Some(Ok(SwitchOutcome::AllInUse { .. })));
    let general_error = move || match outcome.get() {
        Some(Ok(SwitchOutcome::NotAllowed)) => Some(NOT_ALLOWED_MESSAGE.to_string()),
        Some(Ok(SwitchOutcome::StepUp)) if retried.get() => Some(NOT_ALLOWED_MESSAGE.to_string()),
        Some(Ok(SwitchOutcome::MfaSetup)) => Some(MFA_SETUP_MESSAGE.to_string()),
        Some(Err(e)) => Some(error_message(&e)),
        _ => None,
    };

    view! {
        <Title text="Switch role" />
        <PageHeader eyebrow="Roles" title="Switch Role">
            "Work in another account with a role's temporary permissions. While you hold the role, "
            "your own permissions are suspended; switch back at any time."
        </PageHeader>
        <section class="card switch-card" aria-labelledby="switch-heading">
            <h2 id="switch-heading" class="visually-hidden">"Role details"</h2>
            {earlier.map(|(kind, message)| view! {
                <div class=format!("alert {kind}") role="alert">{message}</div>
            })}
            {from_link.then(|| view! {
                <div class="alert info" role="status">
                    "These values came from a link. Check them, then select Switch Role. Nothing changes until you do."
                </div>
            })}
            {(!redirect_uri.is_empty()).then(|| view! {
                <div class="alert info" role="status">
                    "After switching, you continue at " <span class="mono">{redirect_uri.clone()}</span> " in the new role session."
                </div>
            })}
            {redirect_dropped.then(|| view! {
                <div class="alert warning" role="status">
                    "The link asked to continue at another site afterwards. That part was ignored: you will land on the console home."
                </div>
            })}
            {move || general_error().map(|message| {
                let setup = message == MFA_SETUP_MESSAGE;
                view! {
                    <div class="alert error" role="alert">
                        {message}
                        {setup.then(|| view! { " " <a href=tab_href("/security-credentials")>"Go to Security credentials"</a> })}
                    </div>
                }
            })}
            <StepUpDialog open=step_up_open on_verified=retry_after_mfa />
            <ActionForm action=action attr:class="form">
                <input type="hidden" name="redirect_uri" value=redirect_uri />
                <FormField id="switch-account" label="Account" name="account" value=param("account")
                    hint="Account ID (12 digits) or alias" error=field_error("account") />
                <FormField id="switch-role" label="Role" name="role" value=param("roleName")
                    hint="Role name, optionally with its path" error=field_error("role") />
                <FormField id="switch-display-name" label="Display Name" name="display_name" value=param("displayName")
                    hint="Optional. Shown in the navbar while you hold the role (at most 64 characters)."
                    error=field_error("display_name") />
                <fieldset class="swatches" aria-describedby="switch-color-error">
                    <legend>"Color"</legend>
                    <div class="swatch-row" role="radiogroup" aria-label="Color">
                        {PALETTE.iter().map(|(name, hex)| {
                            let input_id = format!("switch-color-{name}");
                            let label_for = input_id.clone();
                            view! {
                                <label class="swatch" for=label_for title=*name>
                                    <input type="radio" id=input_id name="color" value=*name
                                        prop:checked=move || color_name(&chosen.get()) == Some(*name)
                                        on:change=move |_| chosen.set(hex.to_string()) />
                                    <span class="swatch-chip" style:background-color=*hex aria-hidden="true"></span>
                                    <span class="swatch-name">{*name}</span>
                                </label>
                            }
                        }).collect_view()}
                    </div>
                    {move || {
                        let hex = chosen.get();
                        (!hex.is_empty() && color_name(&hex).is_none()).then(|| view! {
                            <label class="swatch custom">
                                <input type="radio" name="color" value=hex.clone() checked=true />
                                <span class="swatch-chip" style:background-color=hex.clone() aria-hidden="true"></span>
                                <span class="swatch-name">{format!("from link ({hex})")}</span>
                            </label>
                        })
                    }}
                    <p id="switch-color-error" class="field-error" role="alert">{field_error("color")}</p>
                </fieldset>
                <MfaCodeField error=field_error("token_code") />
                <ReplaceChoice asked=Signal::derive(move || asked_to_replace || all_in_use()) />
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Switching…" } else { "Switch Role" }}
                    </button>
                    <a class="button" href=tab_href("/")>"Cancel"</a>
                </div>
            </ActionForm>
        </section>
        <RoleCatalog />
        <AccessRequestSections />
        <RoleHistorySection />
        <LinkBuilderPointer />
    }
}

/// When every role session is in use, the new one must take the place of one: the oldest
/// unless the user picks another. Shown as soon as the page knows they are all in use (or a
/// switch was refused for it); the choice travels as the form's `replace` field.
#[component]
fn ReplaceChoice(
    /// A switch was refused because all sessions are in use.
    asked: Signal<bool>,
) -> impl IntoView {
    let context = expect_context::<ConsoleContextResource>();
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let identity = context.await.ok().and_then(|c| c.identity)?;
                let max = identity.max_role_sessions;
                let held = identity.role_sessions;
                let full = held.len() >= max && !held.is_empty();
                (full || asked.get()).then(|| {
                    let oldest = held.iter().min_by_key(|h| h.expires_at).cloned();
                    view! {
                        <fieldset class="replace-choice" aria-describedby="replace-message">
                            <legend>"Role session to replace"</legend>
                            <p id="replace-message" class="alert warning" role="status">{all_in_use_message(max)}</p>
                            <label class="radio-row">
                                <input type="radio" name="replace" value="oldest" checked=true />
                                <span>"The oldest"{oldest.map(|o| format!(": {}", o.label()))}</span>
                            </label>
                            {held.into_iter().map(|h| view! { <ReplaceOption held=h /> }).collect_view()}
                        </fieldset>
                    }
                })
            })}
        </Suspense>
    }
}

#[component]
fn ReplaceOption(held: RoleSummary) -> impl IntoView {
    let left = held.expires_at - now_seconds();
    let time_left = if left > 0 {
        format!("{} left", format_remaining(left))
    } else {
        "ended".to_string()
    };
    view! {
        <label class="radio-row">
            <input type="radio" name="replace" value=held.session_id.clone() />
            <span class="swatch-chip small" style:background-color=held.color.clone() aria-hidden="true"></span>
            <span>{held.label()} <span class="muted small">{format!(" · {time_left}")}</span></span>
        </label>
    }
}

/// "Roles you can switch to": the engine's answer for this user, searchable, with favourites.
#[component]
fn RoleCatalog() -> impl IntoView {
    let catalog = Resource::new(|| (), |_| load_role_catalog());
    let search = RwSignal::new(String::new());
    view! {
        <section class="card catalog-card" role="region" aria-labelledby="catalog-heading">
            <div class="card-heading-row">
                <h2 id="catalog-heading">"Roles you can switch to"</h2>
                <label class="filter">
                    <span class="visually-hidden">"Search roles"</span>
                    <input type="search" placeholder="Account ID, alias, role name or ARN"
                        aria-label="Search roles"
                        prop:value=move || search.get()
                        on:input=move |ev| search.set(event_target_value(&ev)) />
                </label>
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Checking your permissions…"</p> }>
                {move || Suspend::new(async move {
                    match catalog.await {
                        Ok(entries) if entries.is_empty() => view! {
                            <p class="muted">
                                "Your permissions do not allow switching to any role of this organisation. "
                                "Ask an administrator if you need one."
                            </p>
                        }.into_any(),
                        Ok(entries) => view! { <CatalogList entries search=search.into() /> }.into_any(),
                        Err(_) => view! { <p class="muted">"Your roles cannot be listed right now."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn CatalogList(entries: Vec<CatalogEntry>, search: Signal<String>) -> impl IntoView {
    let total = entries.len();
    let entries = StoredValue::new(entries);
    let shown = move || {
        let needle = search.get();
        entries.with_value(|all| {
            all.iter()
                .filter(|e| e.matches(&needle))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <ul class="role-list catalog-list">
            <For each=shown key=|e| e.role_arn.clone() let(entry)>
                <CatalogItem entry />
            </For>
        </ul>
        <p class="muted small" aria-live="polite">
            {move || {
                let n = shown().len();
                if n == total { format!("{total} role{}", if total == 1 { "" } else { "s" }) }
                else if n == 0 { "No role matches the search.".to_string() }
                else { format!("{n} of {total} roles match the search") }
            }}
        </p>
    }
}

#[component]
fn CatalogItem(entry: CatalogEntry) -> impl IntoView {
    let favourite = RwSignal::new(entry.favourite);
    let toggle = ServerAction::<SetFavouriteRole>::new();
    Effect::new(move |_| {
        if let Some(Ok(now)) = toggle.value().get() {
            favourite.set(now);
        }
    });
    let label = format!(
        "{} ({} in {})",
        entry.display_name,
        entry.role,
        entry.account_label()
    );
    let favourite_label = format!("Favourite: {label}");
    let switch_entry = entry.as_history_entry();
    view! {
        <li>
            <span class="swatch-chip" style:background-color=entry.color.clone() aria-hidden="true"></span>
            <div class="grow">
                <div class="role-name">
                    {entry.display_name.clone()}
                    {entry.needs_mfa.then(|| view! { <span class="badge mfa-badge" title="The trust policy asks for MFA">"MFA"</span> })}
                </div>
                <div class="muted small">
                    <span class="mono">{entry.role.clone()}</span> " · " {entry.account_label().to_string()} " · "
                    <span class="mono">{grouped_account_id(&entry.account_id)}</span>
                </div>
                <div class="muted small mono break">{entry.role_arn.clone()}</div>
            </div>
            <ActionForm action=toggle attr:class="inline-form">
                <input type="hidden" name="role_arn" value=entry.role_arn.clone() />
                <input type="hidden" name="favourite" value=move || if favourite.get() { "false" } else { "true" } />
                <button type="submit" class="button small favourite-toggle" aria-label=favourite_label
                    aria-pressed=move || if favourite.get() { "true" } else { "false" }
                    disabled=move || toggle.pending().get()>
                    <span aria-hidden="true">{move || if favourite.get() { "★" } else { "☆" }}</span>
                    " Favourite"
                </button>
            </ActionForm>
            <SwitchAgainForm entry=switch_entry class="button primary small">"Switch"</SwitchAgainForm>
        </li>
    }
}

/// Every role the user has switched to, with a filter; each can be switched to again.
#[component]
fn RoleHistorySection() -> impl IntoView {
    let history = Resource::new(|| (), |_| load_role_history());
    let filter = RwSignal::new(String::new());
    view! {
        <section class="card history-card" aria-labelledby="history-heading">
            <div class="card-heading-row">
                <h2 id="history-heading">"Role history"</h2>
                <label class="filter">
                    <span class="visually-hidden">"Filter role history"</span>
                    <input type="search" placeholder="Filter by name, role or account"
                        aria-label="Filter role history"
                        prop:value=move || filter.get()
                        on:input=move |ev| filter.set(event_target_value(&ev)) />
                </label>
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Loading your role history…"</p> }>
                {move || Suspend::new(async move {
                    match history.await {
                        Ok(entries) if entries.is_empty() => view! {
                            <p class="muted">"Roles you switch to appear here, so that you can switch to them again in one click."</p>
                        }.into_any(),
                        Ok(entries) => view! {
                            <RoleHistoryList entries filter=filter.into() />
                        }.into_any(),
                        Err(_) => view! { <p class="muted">"Your role history cannot be shown right now."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Administrators get a pointer to the link builder.
#[component]
fn LinkBuilderPointer() -> impl IntoView {
    let context = expect_context::<ConsoleContextResource>();
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let admin = context.await.ok().and_then(|c| c.identity).is_some_and(|i| i.is_admin);
                admin.then(|| view! {
                    <p class="muted small">
                        "Administrators: "
                        <a href=tab_href("/switchrole/links")>"build a switch-role link"</a>
                        " to send to people who should use a role."
                    </p>
                })
            })}
        </Suspense>
    }
}

#[component]
fn FormField<E>(
    id: &'static str,
    label: &'static str,
    name: &'static str,
    value: String,
    hint: &'static str,
    error: E,
) -> impl IntoView
where
    E: Fn() -> Option<String> + Copy + Send + Sync + 'static,
{
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    view! {
        <label for=id>{label}</label>
        <input id=id name=name type="text" value=value spellcheck="false" autocapitalize="none"
            aria-invalid=move || if error().is_some() { "true" } else { "false" }
            aria-describedby=format!("{hint_id} {error_id}") />
        <p id=hint_id class="hint">{hint}</p>
        <p id=error_id class="field-error" role="alert">{error}</p>
    }
}
