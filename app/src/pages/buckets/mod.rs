//! The bucket browser: the buckets list (`/s3`), a bucket's folder view
//! (`/s3/buckets/{bucket}?prefix=`) and an object's details (`/s3/object/{bucket}?key=`).
//!
//! Every request is decided server-side with the held role (or the user's own permissions);
//! a refusal shows "Access denied" in place. Bodies go through the server's streaming routes.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::buckets::{
    Access, BucketRow, DeleteSummary, ObjectDetails, ObjectPage, create_folder, delete_objects,
    download_url, folder_url, human_size, list_buckets, list_objects, load_object_details,
    object_url,
};
use crate::components::copy_button::CopyButton;
use crate::components::uploader::{UploadProgress, Uploads};

fn error_text(error: &ServerFnError) -> String {
    match error {
        ServerFnError::ServerError(message) => message.clone(),
        _ => "The console could not be reached. Please try again.".to_string(),
    }
}

/// `2025-01-31T09:05:07.123Z` → `2025-01-31 09:05:07 UTC`.
fn short_time(rfc3339: &str) -> String {
    let (date, time) = rfc3339.split_once('T').unwrap_or((rfc3339, ""));
    let time = time.get(..8).unwrap_or(time);
    if time.is_empty() {
        date.to_string()
    } else {
        format!("{date} {time} UTC")
    }
}

#[component]
fn Denied(what: String) -> impl IntoView {
    view! {
        <div class="alert error access-denied" role="alert">
            <strong>"Access denied"</strong>
            <p>{what}</p>
            <p class="small">"Your administrator can tell you which permissions you need. Switching to another role may help."</p>
        </div>
    }
}

#[component]
fn Expired() -> impl IntoView {
    view! {
        <div class="alert warning" role="alert">
            "Your role session has expired. " <a href="/switchrole">"Switch role again"</a>
            " to continue."
        </div>
    }
}

/// The "Go to bucket" form: how a role that may not list buckets reaches its own.
#[component]
fn GoToBucket() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let navigate = use_navigate();
    let go = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let bucket = name.get_untracked().trim().to_string();
        if !bucket.is_empty() {
            navigate(&folder_url(&bucket, ""), Default::default());
        }
    };
    view! {
        <form class="form go-to-bucket" on:submit=go>
            <label for="go-bucket">"Bucket name"</label>
            <div class="inline-fields">
                <input id="go-bucket" name="bucket" type="text" placeholder="productionapp"
                    autocomplete="off" spellcheck="false" required
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                <button type="submit" class="button primary">"Go to bucket"</button>
            </div>
        </form>
    }
}

// ---- /s3 --------------------------------------------------------------------------------------

#[component]
pub fn BucketsPage() -> impl IntoView {
    let buckets = Resource::new(|| (), |_| list_buckets());
    view! {
        <Title text="Buckets" />
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <ol><li><span aria-current="page">"Buckets"</span></li></ol>
        </nav>
        <div class="page-header">
            <p class="eyebrow">"Object storage"</p>
            <h1>"Buckets"</h1>
            <p class="muted">"Buckets hold objects. What you can see and change is decided by the role you hold, or by your own permissions when you hold none."</p>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading buckets…"</p> }>
            {move || Suspend::new(async move {
                match buckets.await {
                    Ok(Access::Granted(rows)) => view! { <BucketTable rows /> }.into_any(),
                    Ok(Access::Denied) => view! {
                        <Denied what="You are not allowed to list the buckets of this account (s3:ListAllMyBuckets). If you know the name of a bucket you may use, go to it directly.".to_string() />
                    }.into_any(),
                    Ok(Access::Expired) => view! { <Expired /> }.into_any(),
                    Ok(Access::NotFound(m) | Access::Invalid(m)) => view! { <div class="alert error" role="alert">{m}</div> }.into_any(),
                    Err(e) => view! { <div class="alert error" role="alert">{error_text(&e)}</div> }.into_any(),
                }
            })}
        </Suspense>
        <section class="card section" aria-labelledby="go-heading">
            <h2 id="go-heading">"Go to bucket"</h2>
            <p class="muted small">"Open a bucket by name, for example one your role may read but not list."</p>
            <GoToBucket />
        </section>
    }
}

#[component]
fn BucketTable(rows: Vec<BucketRow>) -> impl IntoView {
    let count = rows.len();
    view! {
        <section class="card" aria-labelledby="buckets-heading">
            <div class="section-header">
                <h2 id="buckets-heading">{format!("Buckets ({count})")}</h2>
            </div>
            {if rows.is_empty() {
                view! {
                    <div class="empty-state">
                        <p><strong>"No buckets"</strong></p>
                        <p class="muted">"This account owns no buckets."</p>
                    </div>
                }.into_any()
            } else {
                view! {
                    <table class="table objects">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Created"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|b| view! {
                                <tr>
                                    <td><a class="object-link bucket-link" href=folder_url(&b.name, "")>{b.name.clone()}</a></td>
                                    <td class="muted">{b.created.as_deref().map(short_time).unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

// ---- /s3/buckets/{bucket} ---------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SortBy {
    Name,
    Size,
    Modified,
}

/// One row of the folder view.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Entry {
    Folder(String),
    Object {
        key: String,
        size: u64,
        modified: String,
    },
}

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

    let listing = Resource::new(
        move || {
            (
                bucket.get(),
                format!("{}{}", prefix.get(), filter.get()),
                tokens.with(|t| t.last().cloned().flatten()),
                version.get(),
            )
        },
        |(bucket, prefix, token, _)| list_objects(bucket, prefix, token),
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
                    );
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = (uploads, on_uploaded);
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
                        Err(e) => view! { <div class="alert error" role="alert">{error_text(&e)}</div> }.into_any(),
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
        let mut crumbs = vec![(bucket.clone(), folder_url(&bucket, ""))];
        let mut so_far = String::new();
        for part in prefix.split_inclusive('/') {
            so_far.push_str(part);
            crumbs.push((
                part.trim_end_matches('/').to_string(),
                folder_url(&bucket, &so_far),
            ));
        }
        crumbs
    };
    view! {
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <ol>
                <li><a href="/s3">"Buckets"</a></li>
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
            match create_folder(bucket.clone(), prefix, name).await {
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
                Err(e) => error.set(Some(error_text(&e))),
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
fn ObjectTable(
    bucket: String,
    page: ObjectPage,
    prefix: String,
    sort: RwSignal<(SortBy, bool)>,
    selected: RwSignal<Vec<String>>,
    tokens: RwSignal<Vec<Option<String>>>,
) -> impl IntoView {
    let next_token = page.next_token.clone();
    let mut entries: Vec<Entry> = page.folders.into_iter().map(Entry::Folder).collect();
    entries.extend(page.objects.into_iter().map(|o| Entry::Object {
        key: o.key,
        size: o.size,
        modified: o.last_modified,
    }));
    let count = entries.len();
    let object_keys: Vec<String> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Object { key, .. } => Some(key.clone()),
            Entry::Folder(_) => None,
        })
        .collect();
    let all_keys = object_keys.clone();
    let rows = move || {
        let (by, ascending) = sort.get();
        let mut entries = entries.clone();
        entries.sort_by(|a, b| {
            use std::cmp::Ordering;
            // Folders first, whatever the order.
            let order = match (a, b) {
                (Entry::Folder(_), Entry::Object { .. }) => return Ordering::Less,
                (Entry::Object { .. }, Entry::Folder(_)) => return Ordering::Greater,
                (Entry::Folder(x), Entry::Folder(y)) => x.cmp(y),
                (
                    Entry::Object {
                        key: ka,
                        size: sa,
                        modified: ma,
                    },
                    Entry::Object {
                        key: kb,
                        size: sb,
                        modified: mb,
                    },
                ) => match by {
                    SortBy::Name => ka.cmp(kb),
                    SortBy::Size => sa.cmp(sb).then(ka.cmp(kb)),
                    SortBy::Modified => ma.cmp(mb).then(ka.cmp(kb)),
                },
            };
            if ascending { order } else { order.reverse() }
        });
        entries
    };
    let header = move |label: &'static str, by: SortBy| {
        let aria = move || {
            let (current, ascending) = sort.get();
            if current != by {
                "none"
            } else if ascending {
                "ascending"
            } else {
                "descending"
            }
        };
        let arrow = move || {
            let (current, ascending) = sort.get();
            if current != by {
                ""
            } else if ascending {
                " ▲"
            } else {
                " ▼"
            }
        };
        view! {
            <th scope="col" aria-sort=aria>
                <button type="button" class="sort-button" on:click=move |_| sort.update(|(current, ascending)| {
                    if *current == by { *ascending = !*ascending } else { *current = by; *ascending = true }
                })>{label}{arrow}</button>
            </th>
        }
    };
    let all_selected = {
        let all_keys = all_keys.clone();
        move || !all_keys.is_empty() && selected.with(|s| s.len() == all_keys.len())
    };
    let toggle_all = move |_| {
        if selected.with_untracked(|s| s.len() == object_keys.len()) {
            selected.set(Vec::new());
        } else {
            selected.set(object_keys.clone());
        }
    };
    let page_number = move || tokens.with(Vec::len) + 1;
    let has_next = next_token.is_some();
    let go_next = move |_| {
        if let Some(token) = next_token.clone() {
            tokens.update(|t| t.push(Some(token)));
        }
    };
    view! {
        {if count == 0 {
            view! {
                <div class="empty-state">
                    <p><strong>"No objects"</strong></p>
                    <p class="muted">"This folder is empty. Upload files or drop them here."</p>
                </div>
            }.into_any()
        } else {
            let bucket = bucket.clone();
            let prefix = prefix.clone();
            view! {
                <table class="table objects">
                    <thead>
                        <tr>
                            <th scope="col" class="check">
                                <input type="checkbox" aria-label="Select all objects" prop:checked=all_selected on:change=toggle_all />
                            </th>
                            {header("Name", SortBy::Name)}
                            <th scope="col">"Type"</th>
                            {header("Last modified", SortBy::Modified)}
                            {header("Size", SortBy::Size)}
                            <th scope="col" class="actions"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || rows().into_iter().map(|entry| {
                            let bucket = bucket.clone();
                            let prefix = prefix.clone();
                            match entry {
                                Entry::Folder(folder) => {
                                    let name = folder.strip_prefix(prefix.as_str()).unwrap_or(&folder).to_string();
                                    view! {
                                        <tr class="folder-row">
                                            <td class="check"></td>
                                            <td>
                                                <a class="object-link folder-link" href=folder_url(&bucket, &folder)>
                                                    <span class="icon folder-icon" aria-hidden="true"></span>
                                                    {name}
                                                </a>
                                            </td>
                                            <td class="muted">"Folder"</td>
                                            <td class="muted">"-"</td>
                                            <td class="muted">"-"</td>
                                            <td></td>
                                        </tr>
                                    }.into_any()
                                }
                                Entry::Object { key, size, modified } => {
                                    let name = key.strip_prefix(prefix.as_str()).unwrap_or(&key).to_string();
                                    let name = if name.is_empty() { key.clone() } else { name };
                                    let kind = name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).filter(|e| e.len() <= 8 && !e.contains('/')).unwrap_or_else(|| "-".into());
                                    let checked_key = key.clone();
                                    let toggle_key = key.clone();
                                    view! {
                                        <tr class="object-row">
                                            <td class="check">
                                                <input type="checkbox" aria-label=format!("Select {name}")
                                                    prop:checked=move || selected.with(|s| s.contains(&checked_key))
                                                    on:change=move |_| selected.update(|s| {
                                                        if let Some(i) = s.iter().position(|k| *k == toggle_key) { s.remove(i); } else { s.push(toggle_key.clone()); }
                                                    }) />
                                            </td>
                                            <td>
                                                <a class="object-link" href=object_url(&bucket, &key)>
                                                    <span class="icon file-icon" aria-hidden="true"></span>
                                                    <span class="break">{name.clone()}</span>
                                                </a>
                                            </td>
                                            <td class="muted">{kind}</td>
                                            <td class="muted nowrap">{short_time(&modified)}</td>
                                            <td class="nowrap">{human_size(size)}</td>
                                            <td class="actions">
                                                <a class="button small" href=download_url(&bucket, &key) download=name.clone()
                                                    aria-label=format!("Download {name}")>"Download"</a>
                                            </td>
                                        </tr>
                                    }.into_any()
                                }
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <div class="pager">
            <span class="muted small">{move || format!("Page {} · {count} {} on this page", page_number(), if count == 1 { "entry" } else { "entries" })}</span>
            <div class="pager-buttons">
                <button type="button" class="button small" disabled=move || tokens.with(Vec::is_empty)
                    on:click=move |_| tokens.update(|t| { t.pop(); })>"Previous page"</button>
                <button type="button" class="button small" disabled=!has_next on:click=go_next>"Next page"</button>
            </div>
        </div>
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
        busy.set(true);
        leptos::task::spawn_local(async move {
            notice.set(None);
            error.set(None);
            let result = delete_objects(bucket.clone(), keys).await;
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
                Err(e) => error.set(Some(error_text(&e))),
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

// ---- /s3/object/{bucket}?key= -----------------------------------------------------------------

#[component]
pub fn ObjectDetailsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let bucket = Memo::new(move |_| params.with(|p| p.get("bucket").unwrap_or_default()));
    let key = Memo::new(move |_| query.with(|q| q.get("key").unwrap_or_default()));
    let details = Resource::new(
        move || (bucket.get(), key.get()),
        |(bucket, key)| load_object_details(bucket, key),
    );
    let folder = move || {
        let key = key.get();
        match key.trim_end_matches('/').rfind('/') {
            Some(i) => key[..=i].to_string(),
            None => String::new(),
        }
    };
    let name = move || {
        let key = key.get();
        key.trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    view! {
        <Title text=move || format!("{} · {}", name(), bucket.get()) />
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <ol>
                <li><a href="/s3">"Buckets"</a></li>
                <li><a href=move || folder_url(&bucket.get(), "")>{move || bucket.get()}</a></li>
                {move || {
                    let bucket = bucket.get();
                    let mut so_far = String::new();
                    folder().split_inclusive('/').map(|part| {
                        so_far.push_str(part);
                        view! { <li><a href=folder_url(&bucket, &so_far)>{part.trim_end_matches('/').to_string()}</a></li> }
                    }).collect_view()
                }}
                <li><span aria-current="page">{name}</span></li>
            </ol>
        </nav>
        <div class="page-header">
            <p class="eyebrow">"Object"</p>
            <h1 class="break">{name}</h1>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(Access::Granted(details)) => view! { <Properties details /> }.into_any(),
                    Ok(Access::Denied) => view! {
                        <Denied what=format!("You are not allowed to read this object of the bucket {} (s3:GetObject).", bucket.get_untracked()) />
                    }.into_any(),
                    Ok(Access::Expired) => view! { <Expired /> }.into_any(),
                    Ok(Access::NotFound(m) | Access::Invalid(m)) => view! { <div class="alert error" role="alert">{m}</div> }.into_any(),
                    Err(e) => view! { <div class="alert error" role="alert">{error_text(&e)}</div> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Properties(details: ObjectDetails) -> impl IntoView {
    let name = details
        .key
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let download = download_url(&details.bucket, &details.key);
    let metadata = details.metadata.clone();
    view! {
        <section class="card" aria-labelledby="properties-heading">
            <div class="section-header">
                <h2 id="properties-heading">"Object overview"</h2>
                <a class="button primary" href=download download=name.clone() aria-label=format!("Download {name}")>"Download"</a>
            </div>
            <dl class="properties">
                <div><dt>"Key"</dt><dd class="mono break">{details.key.clone()}</dd></div>
                <div><dt>"Size"</dt><dd>{format!("{} ({} bytes)", human_size(details.size), details.size)}</dd></div>
                <div><dt>"Type"</dt><dd>{details.content_type.clone().unwrap_or_else(|| "-".into())}</dd></div>
                <div><dt>"Last modified"</dt><dd>{short_time(&details.last_modified)}</dd></div>
                <div><dt>"Entity tag (ETag)"</dt><dd class="mono break">{details.etag.clone()}</dd></div>
                <div>
                    <dt>"Amazon Resource Name (ARN)"</dt>
                    <dd class="arn"><code class="break">{details.arn.clone()}</code><CopyButton value=details.arn.clone() what="ARN" /></dd>
                </div>
                <div><dt>"Bucket"</dt><dd><a href=folder_url(&details.bucket, "")>{details.bucket.clone()}</a></dd></div>
            </dl>
        </section>
        <section class="card section" aria-labelledby="metadata-heading">
            <h2 id="metadata-heading">"Metadata"</h2>
            {if metadata.is_empty() {
                view! { <p class="muted">"No user-defined metadata."</p> }.into_any()
            } else {
                view! {
                    <table class="table compact">
                        <thead><tr><th scope="col">"Key"</th><th scope="col">"Value"</th></tr></thead>
                        <tbody>
                            {metadata.into_iter().map(|(k, v)| view! {
                                <tr><td class="mono">{format!("x-amz-meta-{k}")}</td><td class="break">{v}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::short_time;

    #[test]
    fn times_are_shown_to_the_second_in_utc() {
        assert_eq!(
            short_time("2025-01-31T09:05:07.123Z"),
            "2025-01-31 09:05:07 UTC"
        );
        assert_eq!(short_time("2025-01-31"), "2025-01-31");
    }
}
