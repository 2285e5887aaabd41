//! Security credentials: the user's MFA devices (an authenticator app with its ARN, the
//! `mfa_serial` of the AWS CLI), assigning a new one (authenticator app or security key /
//! passkey), and removing one; then the user's access keys. Removing, and adding when a device
//! exists, need a fresh MFA with an existing device (step-up).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::mfa::{
    DeviceSummary, SecurityCredentials, TotpSetupView, finish_security_key_enrolment,
    finish_totp_enrolment, load_security_credentials, remove_mfa_device,
    start_security_key_enrolment, start_totp_enrolment,
};
use crate::components::access_keys::AccessKeysSection;
use crate::components::copy_button::CopyButton;
use crate::components::page::{PageHeader, error_message, is_step_up_required};
use crate::components::step_up::StepUpDialog;
use crate::components::webauthn::create_credential;
use types::error::ConsoleError;

#[derive(Clone, Debug, PartialEq)]
enum Step {
    List,
    Choose,
    Totp(TotpSetupView),
}

#[component]
pub fn SecurityCredentialsPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let data = Resource::new(move || version.get(), |_| load_security_credentials());
    let step = RwSignal::new(Step::List);
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let step_up_open = RwSignal::new(false);
    let pending_removal = RwSignal::new(None::<String>);

    let remove = move |device_id: String| {
        error.set(None);
        notice.set(None);
        leptos::task::spawn_local(async move {
            match remove_mfa_device(device_id.clone()).await {
                Ok(()) => {
                    pending_removal.set(None);
                    notice.set(Some("The MFA device was removed.".to_string()));
                    version.update(|v| *v += 1);
                }
                Err(e) if is_step_up_required(&e) => {
                    pending_removal.set(Some(device_id));
                    step_up_open.set(true);
                }
                Err(e) => error.set(Some(error_message(&e))),
            }
        });
    };
    let resume_removal = move |()| {
        if let Some(id) = pending_removal.get_untracked() {
            remove(id);
        }
    };
    let finished = move |message: &str| {
        step.set(Step::List);
        error.set(None);
        notice.set(Some(message.to_string()));
        version.update(|v| *v += 1);
    };

    view! {
        <Title text="Security credentials" />
        <PageHeader eyebrow="My account" title="Security credentials">
            "Multi-factor authentication (MFA) adds a second proof of identity to your password. Roles that require MFA trust only sessions that used one."
        </PageHeader>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(credentials) => view! {
                        <Credentials credentials step notice error step_up_open remove=Callback::new(remove) on_finished=Callback::new(move |m: String| finished(&m)) />
                    }.into_any(),
                    Err(e) => view! { <div class="alert error" role="alert">{error_message(&e)}</div> }.into_any(),
                }
            })}
        </Suspense>
        <StepUpDialog open=step_up_open on_verified=Callback::new(resume_removal) />
    }
}

#[component]
fn Credentials(
    credentials: SecurityCredentials,
    step: RwSignal<Step>,
    notice: RwSignal<Option<String>>,
    error: RwSignal<Option<String>>,
    step_up_open: RwSignal<bool>,
    remove: Callback<String>,
    on_finished: Callback<String>,
) -> impl IntoView {
    let count = credentials.devices.len();
    let max = credentials.max_devices;
    let full = count >= max;
    let devices = credentials.devices.clone();
    view! {
        {credentials.must_enrol.then(|| view! {
            <div class="alert warning" role="alert">
                "Your administrator requires multi-factor authentication. Assign an MFA device to continue to the console."
            </div>
        })}
        {move || notice.get().map(|m| view! {
            <div class="alert success" role="status">
                {m} " " <a href="/">"Continue to the console"</a>
            </div>
        })}
        {move || error.get().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
        <section class="card section" aria-labelledby="mfa-devices-heading">
            <div class="section-header">
                <div>
                    <h2 id="mfa-devices-heading">"Multi-factor authentication (MFA)"</h2>
                    <p class="muted small">
                        {format!("{count} of {max} devices assigned to {}. Use any of them to sign in.", credentials.user_label)}
                    </p>
                </div>
                <button type="button" class="button primary" disabled=full
                    on:click=move |_| { notice.set(None); error.set(None); step.set(Step::Choose) }>
                    "Assign MFA device"
                </button>
            </div>
            {if devices.is_empty() {
                view! {
                    <div class="empty-state">
                        <p><strong>"No MFA devices"</strong></p>
                        <p class="muted">"Assign an authenticator app or a security key to protect your sign-in."</p>
                    </div>
                }.into_any()
            } else {
                view! { <DeviceTable devices remove /> }.into_any()
            }}
        </section>
        {move || match step.get() {
            Step::List => ().into_any(),
            Step::Choose => view! { <ChooseDevice step error step_up_open on_finished /> }.into_any(),
            Step::Totp(setup) => view! { <TotpSetup setup step error on_finished /> }.into_any(),
        }}
        // Until a required device is assigned, the console (this included) stays closed.
        {(!credentials.must_enrol).then(|| view! { <AccessKeysSection /> })}
    }
}

#[component]
fn DeviceTable(devices: Vec<DeviceSummary>, remove: Callback<String>) -> impl IntoView {
    view! {
        <table class="table devices">
            <thead>
                <tr>
                    <th scope="col">"Device name"</th>
                    <th scope="col">"Type"</th>
                    <th scope="col">"Added"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {devices.into_iter().map(|d| {
                    let id = d.id.clone();
                    let label = format!("Remove {}", d.name);
                    let icon = if d.kind == "Authenticator app" { "kind-badge totp" } else { "kind-badge key" };
                    view! {
                        <tr>
                            <td class="device-name">
                                {d.name}
                                {d.arn.map(|arn| view! {
                                    <div class="device-arn small">
                                        <code class="mono">{arn.clone()}</code>
                                        <CopyButton value=arn.clone() what=format!("MFA device ARN {arn}") />
                                    </div>
                                })}
                            </td>
                            <td><span class=icon>{d.kind}</span></td>
                            <td class="muted">{d.added}</td>
                            <td class="muted">{d.last_used.unwrap_or_else(|| "Never".to_string())}</td>
                            <td class="actions">
                                <button type="button" class="button small danger" aria-label=label
                                    on:click=move |_| remove.run(id.clone())>"Remove"</button>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn ChooseDevice(
    step: RwSignal<Step>,
    error: RwSignal<Option<String>>,
    step_up_open: RwSignal<bool>,
    on_finished: Callback<String>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new("totp".to_string());
    let busy = RwSignal::new(false);
    let next = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        busy.set(true);
        let name = name.get_untracked();
        let kind = kind.get_untracked();
        leptos::task::spawn_local(async move {
            if kind == "totp" {
                match start_totp_enrolment(name).await {
                    Ok(setup) => step.set(Step::Totp(setup)),
                    // A user with a device confirms with it first; then Next again.
                    Err(e) if is_step_up_required(&e) => step_up_open.set(true),
                    Err(e) => error.set(Some(error_message(&e))),
                }
            } else {
                let result = async {
                    let options = start_security_key_enrolment(name).await?;
                    // The browser's own refusal (no key, cancelled) is shown as it says.
                    let credential = create_credential(options)
                        .await
                        .map_err(ConsoleError::NotAllowed)?;
                    finish_security_key_enrolment(credential).await
                }
                .await;
                match result {
                    Ok(()) => on_finished.run("Your security key was assigned.".to_string()),
                    Err(e) if is_step_up_required(&e) => step_up_open.set(true),
                    Err(e) => error.set(Some(error_message(&e))),
                }
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card section wizard" aria-labelledby="assign-heading">
            <p class="eyebrow">"Step 1 of 2"</p>
            <h2 id="assign-heading">"Assign MFA device"</h2>
            <form class="form" on:submit=next>
                <label for="device-name">"Device name"</label>
                <input id="device-name" type="text" required maxlength="64" autocomplete="off"
                    placeholder="e.g. alice-phone"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev)) />
                <p class="hint">"A name to tell your devices apart: 1 to 64 characters."</p>
                <fieldset class="choices">
                    <legend>"MFA device type"</legend>
                    <label class="choice">
                        <input type="radio" name="kind" value="totp"
                            prop:checked=move || kind.get() == "totp"
                            on:change=move |_| kind.set("totp".to_string()) />
                        <span>
                            <strong>"Authenticator app"</strong>
                            <span class="muted">"A code that changes every 30 seconds, from an app on your phone or computer."</span>
                        </span>
                    </label>
                    <label class="choice">
                        <input type="radio" name="kind" value="webauthn"
                            prop:checked=move || kind.get() == "webauthn"
                            on:change=move |_| kind.set("webauthn".to_string()) />
                        <span>
                            <strong>"Security key or passkey"</strong>
                            <span class="muted">"A hardware key (FIDO2) or a passkey kept by your device or password manager."</span>
                        </span>
                    </label>
                </fieldset>
                <div class="button-row">
                    <button type="submit" class="button primary" disabled=move || busy.get()>"Next"</button>
                    <button type="button" class="button subtle" on:click=move |_| { error.set(None); step.set(Step::List) }>"Cancel"</button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn TotpSetup(
    setup: TotpSetupView,
    step: RwSignal<Step>,
    error: RwSignal<Option<String>>,
    on_finished: Callback<String>,
) -> impl IntoView {
    let show_secret = RwSignal::new(false);
    let code1 = RwSignal::new(String::new());
    let code2 = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let secret = setup.secret_base32.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        busy.set(true);
        let (first, second) = (code1.get_untracked(), code2.get_untracked());
        leptos::task::spawn_local(async move {
            match finish_totp_enrolment(first, second).await {
                Ok(()) => on_finished.run("Your authenticator app was assigned.".to_string()),
                Err(e) => {
                    error.set(Some(error_message(&e)));
                    code1.set(String::new());
                    code2.set(String::new());
                }
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card section wizard" aria-labelledby="totp-heading">
            <p class="eyebrow">"Step 2 of 2"</p>
            <h2 id="totp-heading">"Set up your authenticator app"</h2>
            <ol class="setup-steps">
                <li>
                    <p>"Install a compatible authenticator app on your phone or computer."</p>
                </li>
                <li>
                    <p>"Open the app and scan this QR code. Or enter the secret key by hand."</p>
                    <div class="qr-row">
                        <img class="qr" src=setup.qr_data_url alt="QR code for your authenticator app" width="220" height="220" />
                        <div class="secret-box">
                            <button type="button" class="button small" aria-expanded=move || show_secret.get().to_string()
                                on:click=move |_| show_secret.update(|s| *s = !*s)>
                                {move || if show_secret.get() { "Hide secret key" } else { "Show secret key" }}
                            </button>
                            <Show when=move || show_secret.get()>
                                <code class="secret-key" aria-label="Secret key">{secret.clone()}</code>
                            </Show>
                            <p class="hint">"The secret is shown only now. Switchyard keeps it encrypted and never shows it again."</p>
                        </div>
                    </div>
                </li>
                <li>
                    <p>"Type two consecutive codes from the app: wait for the code to change before typing the second."</p>
                    <form class="form codes" on:submit=submit>
                        <div class="code-fields">
                            <div>
                                <label for="mfa-code-1">"MFA code 1"</label>
                                <input id="mfa-code-1" type="text" inputmode="numeric" autocomplete="one-time-code"
                                    required maxlength="8" class="code-input"
                                    prop:value=move || code1.get()
                                    on:input=move |ev| code1.set(event_target_value(&ev)) />
                            </div>
                            <div>
                                <label for="mfa-code-2">"MFA code 2"</label>
                                <input id="mfa-code-2" type="text" inputmode="numeric" autocomplete="one-time-code"
                                    required maxlength="8" class="code-input"
                                    prop:value=move || code2.get()
                                    on:input=move |ev| code2.set(event_target_value(&ev)) />
                            </div>
                        </div>
                        <div class="button-row">
                            <button type="submit" class="button primary" disabled=move || busy.get()>"Add MFA"</button>
                            <button type="button" class="button subtle" on:click=move |_| { error.set(None); step.set(Step::List) }>"Cancel"</button>
                        </div>
                    </form>
                </li>
            </ol>
        </section>
    }
}
