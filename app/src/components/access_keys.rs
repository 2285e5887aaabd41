//! The Access keys section of Security credentials: the user's keys (at most two), creating
//! one (its secret shown once, in read-only fields with copy buttons), deactivating,
//! re-activating and deleting. Creating and re-activating ask for a fresh MFA when the user
//! has a device; a key is deleted only once it is inactive, as in the AWS console, so one
//! click never breaks a running script.

use leptos::prelude::*;

use crate::api::access_keys::{
    AccessKeySummary, CreatedAccessKey, create_access_key, delete_access_key, load_access_keys,
    set_access_key_status,
};
use crate::components::copy_button::CopyButton;
use crate::components::page::{error_message, is_step_up_required};
use crate::components::step_up::StepUpDialog;

/// An action waiting for the step-up dialog.
#[derive(Clone, Debug, PartialEq)]
enum Pending {
    Create,
    Activate(String),
}

#[component]
pub fn AccessKeysSection() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let data = Resource::new(move || version.get(), |_| load_access_keys());
    let created = RwSignal::new(None::<CreatedAccessKey>);
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let step_up_open = RwSignal::new(false);
    let pending = RwSignal::new(None::<Pending>);
    let busy = RwSignal::new(false);

    let run = move |action: Pending| {
        error.set(None);
        notice.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = match &action {
                Pending::Create => create_access_key().await.map(|key| {
                    created.set(Some(key));
                }),
                Pending::Activate(id) => set_access_key_status(id.clone(), true)
                    .await
                    .map(|()| notice.set(Some(format!("Access key {id} is active.")))),
            };
            match result {
                Ok(()) => {
                    pending.set(None);
                    version.update(|v| *v += 1);
                }
                Err(e) if is_step_up_required(&e) => {
                    pending.set(Some(action));
                    step_up_open.set(true);
                }
                Err(e) => error.set(Some(error_message(&e))),
            }
            busy.set(false);
        });
    };
    let deactivate = move |id: String| {
        error.set(None);
        notice.set(None);
        leptos::task::spawn_local(async move {
            match set_access_key_status(id.clone(), false).await {
                Ok(()) => {
                    notice.set(Some(format!(
                        "Access key {id} is inactive: requests it signs are refused."
                    )));
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(error_message(&e))),
            }
        });
    };
    let delete = move |id: String| {
        error.set(None);
        notice.set(None);
        leptos::task::spawn_local(async move {
            match delete_access_key(id.clone()).await {
                Ok(()) => {
                    notice.set(Some(format!("Access key {id} was deleted.")));
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(error_message(&e))),
            }
        });
    };
    let resume = move |()| {
        if let Some(action) = pending.get_untracked() {
            run(action);
        }
    };

    view! {
        <section class="card section" aria-labelledby="access-keys-heading">
            <Suspense fallback=|| view! { <p class="muted">"Loading access keys…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(view) => {
                            let full = view.keys.len() >= view.max_keys;
                            let count = view.keys.len();
                            view! {
                                <div class="section-header">
                                    <div>
                                        <h2 id="access-keys-heading">"Access keys"</h2>
                                        <p class="muted small">
                                            {format!("{count} of {} keys. Access keys sign requests of the AWS CLI and SDKs to this console's AWS API: keep the secret as safe as your password.", view.max_keys)}
                                        </p>
                                    </div>
                                    <button type="button" class="button primary" disabled=move || full || busy.get()
                                        on:click=move |_| run(Pending::Create)>
                                        "Create access key"
                                    </button>
                                </div>
                                {move || created.get().map(|key| view! { <NewKey key on_done=Callback::new(move |()| created.set(None)) /> })}
                                {if view.keys.is_empty() {
                                    view! {
                                        <div class="empty-state">
                                            <p><strong>"No access keys"</strong></p>
                                            <p class="muted">"Create one to use the AWS CLI or an SDK with your own identity."</p>
                                        </div>
                                    }.into_any()
                                } else {
                                    view! {
                                        <KeyTable keys=view.keys
                                            activate=Callback::new(move |id| run(Pending::Activate(id)))
                                            deactivate=Callback::new(deactivate)
                                            delete=Callback::new(delete) />
                                    }.into_any()
                                }}
                            }.into_any()
                        }
                        Err(e) => view! {
                            <h2 id="access-keys-heading">"Access keys"</h2>
                            <div class="alert error" role="alert">{error_message(&e)}</div>
                        }.into_any(),
                    }
                })}
            </Suspense>
            {move || notice.get().map(|m| view! { <div class="alert success" role="status">{m}</div> })}
            {move || error.get().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
        </section>
        <StepUpDialog open=step_up_open on_verified=Callback::new(resume) />
    }
}

/// The key just created, with its secret: the only time it is shown.
#[component]
fn NewKey(key: CreatedAccessKey, on_done: Callback<()>) -> impl IntoView {
    let CreatedAccessKey {
        key_id,
        secret_access_key,
    } = key;
    view! {
        <div class="new-access-key" role="region" aria-label="New access key">
            <div class="alert warning" role="status">
                "Access key created. This is the only time the secret access key can be viewed or copied: store it now. You cannot recover it later; create a new key instead."
            </div>
            <div class="key-fields">
                <label for="new-access-key-id">"Access key ID"</label>
                <div class="field-with-copy">
                    <input id="new-access-key-id" type="text" class="mono" readonly value=key_id.clone() />
                    <CopyButton value=key_id what="access key ID" />
                </div>
                <label for="new-secret-access-key">"Secret access key"</label>
                <div class="field-with-copy">
                    <input id="new-secret-access-key" type="text" class="mono" readonly autocomplete="off"
                        spellcheck="false" value=secret_access_key.clone() />
                    <CopyButton value=secret_access_key what="secret access key" />
                </div>
            </div>
            <div class="button-row">
                <button type="button" class="button" on:click=move |_| on_done.run(())>"Done"</button>
            </div>
        </div>
    }
}

#[component]
fn KeyTable(
    keys: Vec<AccessKeySummary>,
    activate: Callback<String>,
    deactivate: Callback<String>,
    delete: Callback<String>,
) -> impl IntoView {
    view! {
        <table class="table access-keys">
            <thead>
                <tr>
                    <th scope="col">"Access key ID"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {keys.into_iter().map(|k| {
                    let id = k.key_id.clone();
                    let (status, status_class) = if k.active { ("Active", "badge decision-allowed") } else { ("Inactive", "badge") };
                    let toggle = if k.active {
                        let id = id.clone();
                        view! {
                            <button type="button" class="button small" aria-label=format!("Deactivate {id}")
                                on:click=move |_| deactivate.run(id.clone())>"Deactivate"</button>
                        }.into_any()
                    } else {
                        let id = id.clone();
                        view! {
                            <button type="button" class="button small" aria-label=format!("Activate {id}")
                                on:click=move |_| activate.run(id.clone())>"Activate"</button>
                        }.into_any()
                    };
                    let delete_label = format!("Delete {id}");
                    let delete_hint = (k.active).then_some("Deactivate the key before you delete it.");
                    view! {
                        <tr>
                            <td class="mono">{k.key_id.clone()} <CopyButton value=k.key_id.clone() what=format!("access key ID {}", k.key_id) /></td>
                            <td><span class=status_class>{status}</span></td>
                            <td class="muted">{k.created}</td>
                            <td class="muted">{k.last_used.unwrap_or_else(|| "Never".to_string())}</td>
                            <td class="actions">
                                {toggle}
                                <button type="button" class="button small danger" aria-label=delete_label
                                    title=delete_hint disabled=k.active
                                    on:click=move |_| delete.run(id.clone())>"Delete"</button>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
