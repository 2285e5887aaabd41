//! A bucket's folder view (`/s3/buckets/{bucket}?prefix=`): breadcrumb, toolbar (refresh,
//! delete, create folder, upload), prefix filter and the object table.

use leptos::prelude::*;

use crate::components::page::error_message;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::object_table::{Denied, Expired, ObjectTable, SortBy};
use crate::api::buckets::{
    Access, DeleteSummary, create_folder, delete_objects, folder_url, list_objects,
};
use crate::components::uploader::{UploadProgress, Uploads};
use crate::tab::{tab_href, tab_session};

#[component]
pub fn BucketPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let bucket = Memo::new(move |_| params.with(|p| p.get("bucket").unwrap_or_default()));
    let prefix = Memo::new(move |_| query.with(|q| q.get("prefix").unwrap_or_default()));
    let filter = RwSignal::new(String::new());
    // Continuation tokens of the pages before this one: page N is tokens[N-1].
    let tokens = RwSignal::new(Vec::<Option<String>>::new());
    let version = RwSignal::new(0u32);
    let selected = RwSignal::new(Vec::<String>::new());
    let sort = RwSignal::new((SortBy::Name, true));
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let confirm_delete = RwSignal::new(false);
    let uploads = Uploads::new();

    // A new folder or filter starts at page 1 with nothing selected.
    Effect::watch(
        move || (bucket.get(), prefix.get(), filter.get()),
        move |_, _, _| {
            tokens.set(Vec::new());
            selected.set(Vec::new());
        },
        false,
    );

    let tab = tab_session();
    let upload_tab = StoredValue::new(tab.clone());
    let listing = Resource::new(
        move || {
            (
                bucket.get(),
                format!("{}{}", prefix.get(), filter.get()),
                tokens.with(|t| t.last().cloned().flatten()),
                version.get(),
            )
        },
        move |(bucket, prefix, token, _)| list_objects(bucket, tab.clone(), prefix, token),
    );
    let refresh = move || version.update(|v| *v += 1);
    let on_uploaded = Callback::new(move |()| {
        let busy = uploads.items.with_untracked(|items| {
            items.iter().any(|i| {
                i.state.get_untracked() == crate::components::uploader::UploadState::Uploading
            })
        });
        if !busy {
            refresh();
        }
    });

    let title = move || {
        let p = prefix.get();
        if p.is_empty() {
            bucket.get()
        } else {
            p.trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string()
        }
    };

    view! {
        <Title text=move || format!("{} · Buckets", bucket.get()) />
        <Breadcrumb bucket prefix />
        <div class="page-header bucket-header">
            <div>
                <p class="eyebrow">{move || if prefix.get().is_empty() { "Bucket" } else { "Folder" }}</p>
                <h1 class="break">{title}</h1>
                <p class="muted small mono break">{move || format!("s3://{}/{}", bucket.get(), prefix.get())}</p>
            </div>
        </div>
        {move || notice.get().map(|m| view! { <div class="alert success" role="status">{m}</div> })}
        {move || error.get().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
        <UploadProgress uploads />
        <section class="card objects-card" aria-labelledby="objects-heading"
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                #[cfg(feature = "hydrate")]
                if let Some(files) = ev.data_transfer().and_then(|d| d.files()) {
                    crate::components::uploader::upload_files(
                        uploads, &bucket.get_untracked(), &prefix.get_untracked(), files, on_uploaded,
                        upload_tab.get_value().as_deref(),
                    );
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = (uploads, on_uploaded, upload_tab);
            }>
            <div class="section-header">
                <div>
                    <h2 id="objects-heading">"Objects"</h2>
                    <p class="muted small">"Drop files here to upload them into this folder."</p>
                </div>
                <Toolbar bucket prefix selected uploads on_uploaded confirm_delete notice error refresh=Callback::new(move |()| refresh()) />
            </div>
            <div class="filter-row">
                <label class="visually-hidden" for="object-filter">"Find objects by prefix"</label>
                <input id="object-filter" type="search" placeholder="Find objects by prefix"
                    autocomplete="off" spellcheck="false"
                    prop:value=move || filter.get()
                    on:input=move |ev| filter.set(event_target_value(&ev)) />
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Loading objects…"</p> }>
                {move || Suspend::new(async move {
                    let bucket_name = bucket.get_untracked();
                    match listing.await {
                        Ok(Access::Granted(page)) => view! {
                            <ObjectTable bucket=bucket_name page prefix=prefix.get_untracked() sort selected tokens />
                        }.into_any(),
                        Ok(Access::Denied) => view! {
                            <Denied what=format!("You are not allowed to list the objects of the bucket {bucket_name} (s3:ListBucket).") />
                        }.into_any(),
                        Ok(Access::Expired) => view! { <Expired /> }.into_any(),
                        Ok(Access::NotFound(m) | Access::Invalid(m)) => view! { <div class="alert error" role="alert">{m}</div> }.into_any(),
                        Err(e) => view! { <div class="alert error" role="alert">{error_message(&e)}</div> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <Show when=move || confirm_delete.get()>
            <DeleteDialog bucket selected confirm_delete notice error refresh=Callback::new(move |()| refresh()) />
        </Show>
    }
}

#[component]
fn Breadcrumb(bucket: Memo<String>, prefix: Memo<String>) -> impl IntoView {
    let crumbs = move || {
        let bucket = bucket.get();
        let prefix = prefix.get();
        let mut crumbs = vec![(bucket.clone(), tab_href(&folder_url(&bucket, "")))];
        let mut so_far = String::new();
        for part in prefix.split_inclusive('/') {
            so_far.push_str(part);
            crumbs.push((
                part.trim_end_matches('/').to_string(),
                tab_href(&folder_url(&bucket, &so_far)),
            ));
        }
        crumbs
    };
    view! {
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <ol>
                <li><a href=tab_href("/s3")>"Buckets"</a></li>
                {move || {
                    let crumbs = crumbs();
                    let last = crumbs.len().saturating_sub(1);
                    crumbs.into_iter().enumerate().map(|(i, (name, href))| {
                        if i == last {
                            view! { <li><span aria-current="page">{name}</span></li> }.into_any()
                        } else {
                            view! { <li><a href=href>{name}</a></li> }.into_any()
                        }
                    }).collect_view()
                }}
            </ol>
        </nav>
    }
}

#[component]
#[allow(clippy::too_many_arguments)]
fn Toolbar(
    bucket: Memo<String>,
    prefix: Memo<String>,
    selected: RwSignal<Vec<String>>,
    uploads: Uploads,
    on_uploaded: Callback<()>,
    confirm_delete: RwSignal<bool>,
    notice: RwSignal<Option<String>>,
    error: RwSignal<Option<String>>,
    refresh: Callback<()>,
) -> impl IntoView {
    let picker = NodeRef::<leptos::html::Input>::new();
    let tab = StoredValue::new(tab_session());
    let folder_open = RwSignal::new(false);
    let folder_name = RwSignal::new(String::new());
    let none_selected = move || selected.with(Vec::is_empty);
    let open_picker = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(input) = picker.get() {
            input.click();
        }
    };
    let picked = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        if let Some(input) = picker.get() {
            if let Some(files) = input.files() {
                crate::components::uploader::upload_files(
                    uploads,
                    &bucket.get_untracked(),
                    &prefix.get_untracked(),
                    files,
                    on_uploaded,
                    tab.get_value().as_deref(),
                );
            }
            // The same file may be picked again.
            input.set_value("");
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (uploads, on_uploaded);
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = folder_name.get_untracked();
        let bucket = bucket.get_untracked();
        let prefix = prefix.get_untracked();
        leptos::task::spawn_local(async move {
            notice.set(None);
            error.set(None);
            match create_folder(bucket.clone(), tab.get_value(), prefix, name).await {
                Ok(Access::Granted(key)) => {
                    folder_open.set(false);
                    folder_name.set(String::new());
                    notice.set(Some(format!("Created the folder {key}.")));
                    refresh.run(());
                }
                Ok(Access::Denied) => error.set(Some(format!(
                    "Access denied: you are not allowed to create objects in {bucket} (s3:PutObject)."
                ))),
                Ok(Access::Expired) => error.set(Some(
                    "Your role session has expired. Switch role again.".into(),
                )),
                Ok(Access::NotFound(m) | Access::Invalid(m)) => error.set(Some(m)),
                Err(e) => error.set(Some(error_message(&e))),
            }
        });
    };
    view! {
        <div class="toolbar">
            <button type="button" class="button small" on:click=move |_| refresh.run(()) aria-label="Refresh">"Refresh"</button>
            <button type="button" class="button small danger" disabled=none_selected
                on:click=move |_| confirm_delete.set(true)>"Delete"</button>
            <button type="button" class="button small" on:click=move |_| folder_open.update(|o| *o = !*o)>"Create folder"</button>
            <button type="button" class="button small primary" on:click=open_picker>"Upload"</button>
            <input node_ref=picker id="upload-files" class="visually-hidden" type="file" multiple
                aria-label="Files to upload" tabindex="-1" on:change=picked />
        </div>
        <Show when=move || folder_open.get()>
            <form class="form create-folder" on:submit=create>
                <label for="folder-name">"Folder name"</label>
                <div class="inline-fields">
                    <input id="folder-name" type="text" required autocomplete="off" spellcheck="false"
                        prop:value=move || folder_name.get()
                        on:input=move |ev| folder_name.set(event_target_value(&ev)) />
                    <button type="submit" class="button primary small">"Create folder"</button>
                    <button type="button" class="button small subtle" on:click=move |_| folder_open.set(false)>"Cancel"</button>
                </div>
            </form>
        </Show>
    }
}

#[component]
fn DeleteDialog(
    bucket: Memo<String>,
    selected: RwSignal<Vec<String>>,
    confirm_delete: RwSignal<bool>,
    notice: RwSignal<Option<String>>,
    error: RwSignal<Option<String>>,
    refresh: Callback<()>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let delete = move |_| {
        let keys = selected.get_untracked();
        let bucket = bucket.get_untracked();
        let tab = tab_session();
        busy.set(true);
        leptos::task::spawn_local(async move {
            notice.set(None);
            error.set(None);
            let result = delete_objects(bucket.clone(), tab, keys).await;
            busy.set(false);
            confirm_delete.set(false);
            match result {
                Ok(Access::Granted(DeleteSummary { deleted, failed })) => {
                    selected.set(Vec::new());
                    if !deleted.is_empty() {
                        notice.set(Some(format!(
                            "Deleted {} {}.",
                            deleted.len(),
                            if deleted.len() == 1 { "object" } else { "objects" }
                        )));
                    }
                    if !failed.is_empty() {
                        let list = failed
                            .iter()
                            .map(|(k, m)| format!("{k}: {m}"))
                            .collect::<Vec<_>>()
                            .join("; ");
                        error.set(Some(format!("Not deleted: {list}")));
                    }
                    refresh.run(());
                }
                Ok(Access::Denied) => error.set(Some(format!(
                    "Access denied: you are not allowed to delete objects in {bucket} (s3:DeleteObject)."
                ))),
                Ok(Access::Expired) => error.set(Some(
                    "Your role session has expired. Switch role again.".into(),
                )),
                Ok(Access::NotFound(m) | Access::Invalid(m)) => error.set(Some(m)),
                Err(e) => error.set(Some(error_message(&e))),
            }
        });
    };
    view! {
        <div class="dialog-backdrop">
            <div class="card dialog delete-dialog" role="dialog" aria-modal="true" aria-labelledby="delete-heading">
                <h2 id="delete-heading">"Delete objects"</h2>
                <p>"These objects will be deleted permanently. This cannot be undone."</p>
                <ul class="delete-keys">
                    {move || selected.get().into_iter().map(|k| view! { <li class="mono break">{k}</li> }).collect_view()}
                </ul>
                <div class="form-actions">
                    <button type="button" class="button danger" disabled=move || busy.get() on:click=delete>"Delete objects"</button>
                    <button type="button" class="button subtle" on:click=move |_| confirm_delete.set(false)>"Cancel"</button>
                </div>
            </div>
        </div>
    }
}
