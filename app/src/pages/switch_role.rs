//! The Switch Role page. Query parameters (`account`, `roleName`, `displayName`, `color`,
//! `redirect_uri`) only fill the form: nothing switches until the user selects "Switch Role".

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::api::identity::ConsoleContextResource;
use crate::components::mfa_code_field::MfaCodeField;
use crate::components::page::{PageHeader, error_message};
use crate::components::role_history::RoleHistoryList;
use crate::components::step_up::StepUpDialog;
use types::links::safe_local_path;
use types::palette::{PALETTE, color_name, resolve_color};
use types::role_history::RoleHistoryEntry;

/// What a switch attempt came to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SwitchOutcome {
    /// Switched; go here next.
    Switched { to: String },
    /// One field is wrong.
    Field { field: String, message: String },
    /// Refused; the generic message.
    NotAllowed,
    /// The role would accept a fresh MFA: confirm one (step-up), then the switch is retried.
    StepUp,
    /// The role needs MFA and the user has no device yet.
    MfaSetup,
}

pub const MFA_SETUP_MESSAGE: &str = "This role accepts only sessions that used multi-factor authentication, and you have no MFA device yet. Add one in Security credentials, then switch again.";

/// The whole role history of the signed-in user, newest first.
#[server(prefix = "/api", endpoint = "role_history")]
pub async fn load_role_history() -> Result<Vec<RoleHistoryEntry>, ServerFnError> {
    use crate::api::server_fn;
    use console::role_history;
    let request = server_fn::request().await?;
    let user = request.user(false).await?;
    request
        .state
        .recent_roles(&user.arn(), role_history::KEPT_PER_USER as usize)
        .await
        .map_err(|e| {
            tracing::error!("role history: {e}");
            server_fn::unavailable("the role history")
        })
}

pub const NOT_ALLOWED_MESSAGE: &str = "Invalid information in one or more fields, or you are not allowed to switch to this role. Check with your administrator.";

#[server(prefix = "/api", endpoint = "switch_role")]
pub async fn switch_role(
    account: String,
    role: String,
    display_name: String,
    // Absent when no swatch is chosen (radio buttons send nothing then).
    #[server(default)] color: String,
    #[server(default)] redirect_uri: String,
    // Only roles with an AWS MFA device ask for it (see `MfaCodeField`).
    #[server(default)] token_code: String,
) -> Result<SwitchOutcome, ServerFnError> {
    use crate::api::server_fn;
    use console::session;
    use console::switching;
    use console::switching::{SwitchError, SwitchForm};
    let request = server_fn::request().await?;
    let (state, session) = (&request.state, &request.session);
    let client = request
        .client
        .ok_or_else(|| server_fn::unavailable("no client address"))?;
    let user = request.user(false).await?;
    let form = SwitchForm {
        account,
        role,
        display_name,
        color,
        token_code,
    };
    let mfa_authenticated_at = session::mfa_authenticated_at(session).await.ok().flatten();
    match switching::switch_role(state, session, client, &user, mfa_authenticated_at, &form).await {
        Ok(_) => Ok(SwitchOutcome::Switched {
            to: safe_local_path(&redirect_uri).unwrap_or("/").to_string(),
        }),
        Err(SwitchError::Field { field, message }) => Ok(SwitchOutcome::Field {
            field: field.to_string(),
            message,
        }),
        Err(SwitchError::NotAllowed) => Ok(SwitchOutcome::NotAllowed),
        Err(SwitchError::MfaNeeded { has_device: true }) => Ok(SwitchOutcome::StepUp),
        Err(SwitchError::MfaNeeded { has_device: false }) => Ok(SwitchOutcome::MfaSetup),
        Err(SwitchError::Unavailable(e)) => {
            tracing::error!("switch role: {e}");
            Err(ServerFnError::new(
                "Switching is unavailable right now. Try again later.",
            ))
        }
    }
}

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
        _ => None,
    };
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
                        {setup.then(|| view! { " " <a href="/security-credentials">"Go to Security credentials"</a> })}
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
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Switching…" } else { "Switch Role" }}
                    </button>
                    <a class="button" href="/">"Cancel"</a>
                </div>
            </ActionForm>
        </section>
        <RoleHistorySection />
        <LinkBuilderPointer />
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
                        <a href="/switchrole/links">"build a switch-role link"</a>
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
