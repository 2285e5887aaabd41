//! Uploading files into a bucket folder: an "Upload" button over a real file picker, a drop
//! zone, and one progress bar per file. Each file is sent as the raw body of
//! `POST /s3/upload/{bucket}?key=` by `XMLHttpRequest`, whose upload events give real
//! progress; the server streams it to the store.

use leptos::prelude::*;

/// One file on its way up.
#[derive(Clone, Debug)]
pub struct UploadItem {
    pub id: usize,
    pub key: String,
    pub name: String,
    pub size: u64,
    pub loaded: RwSignal<u64>,
    pub state: RwSignal<UploadState>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadState {
    Uploading,
    Done,
    Failed(String),
}

/// The upload queue shared by the button, the drop zone and the progress list.
#[derive(Clone, Copy)]
pub struct Uploads {
    pub items: RwSignal<Vec<UploadItem>>,
    next_id: StoredValue<usize>,
}

impl Default for Uploads {
    fn default() -> Self {
        Self::new()
    }
}

impl Uploads {
    pub fn new() -> Self {
        Uploads {
            items: RwSignal::new(Vec::new()),
            next_id: StoredValue::new(0),
        }
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn add(&self, key: String, name: String, size: u64) -> UploadItem {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        let item = UploadItem {
            id,
            key,
            name,
            size,
            loaded: RwSignal::new(0),
            state: RwSignal::new(UploadState::Uploading),
        };
        self.items.update(|items| items.push(item.clone()));
        item
    }
}

/// Starts uploading every file of `files` into `bucket` under `prefix`; `on_finished` runs
/// after each file ends (successfully or not).
#[cfg(feature = "hydrate")]
pub fn upload_files(
    uploads: Uploads,
    bucket: &str,
    prefix: &str,
    files: web_sys::FileList,
    on_finished: Callback<()>,
    // The tab's role session the uploads act in.
    role_session: Option<&str>,
) {
    for index in 0..files.length() {
        let Some(file) = files.item(index) else {
            continue;
        };
        let name = file.name();
        let key = format!("{prefix}{name}");
        let item = uploads.add(key.clone(), name, file.size() as u64);
        send(
            &types::role_sessions::with_role_session(
                &crate::api::buckets::upload_url(bucket, &key),
                role_session,
            ),
            file,
            item,
            on_finished,
        );
    }
}

#[cfg(feature = "hydrate")]
fn send(url: &str, file: web_sys::File, item: UploadItem, on_finished: Callback<()>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    let fail = move |message: String| {
        item.state.set(UploadState::Failed(message));
        on_finished.run(());
    };
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
        fail("This browser cannot upload files.".into());
        return;
    };
    if xhr.open_with_async("POST", url, true).is_err() {
        fail("The upload could not start.".into());
        return;
    }
    let content_type = file.type_();
    let content_type = if content_type.is_empty() {
        "application/octet-stream".to_string()
    } else {
        content_type
    };
    let _ = xhr.set_request_header("Content-Type", &content_type);

    let loaded = item.loaded;
    let on_progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |event: web_sys::ProgressEvent| {
            loaded.set(event.loaded() as u64);
        });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    on_progress.forget();

    let finished = xhr.clone();
    let size = item.size;
    let on_load = Closure::<dyn FnMut()>::new(move || {
        let status = finished.status().unwrap_or(0);
        if (200..300).contains(&status) {
            loaded.set(size);
            item.state.set(UploadState::Done);
        } else {
            let text = finished.response_text().ok().flatten().unwrap_or_default();
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_string))
                .unwrap_or_else(|| format!("The upload failed (HTTP {status})."));
            item.state.set(UploadState::Failed(message));
        }
        on_finished.run(());
    });
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    on_load.forget();

    let on_error = Closure::<dyn FnMut()>::new(move || {
        item.state.set(UploadState::Failed(
            "The connection to the console was lost.".into(),
        ));
        on_finished.run(());
    });
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();

    if xhr.send_with_opt_blob(Some(&file)).is_err() {
        item.state
            .set(UploadState::Failed("The upload could not start.".into()));
        on_finished.run(());
    }
}

/// The progress list: one row per file with a `role="progressbar"`.
#[component]
pub fn UploadProgress(uploads: Uploads) -> impl IntoView {
    let clear = move |_| {
        uploads
            .items
            .update(|items| items.retain(|i| i.state.get_untracked() == UploadState::Uploading))
    };
    view! {
        <Show when=move || !uploads.items.with(Vec::is_empty)>
            <section class="card upload-panel" aria-label="Uploads">
                <div class="section-header">
                    <h2>"Uploads"</h2>
                    <button type="button" class="button small subtle" on:click=clear>"Clear finished"</button>
                </div>
                <ul class="upload-list">
                    <For each=move || uploads.items.get() key=|item| item.id let:item>
                        <UploadRow item />
                    </For>
                </ul>
            </section>
        </Show>
    }
}

#[component]
fn UploadRow(item: UploadItem) -> impl IntoView {
    let size = item.size;
    let percent = move || match (item.loaded.get().min(size) * 100).checked_div(size) {
        Some(p) => p as u32,
        // An empty file is done or not.
        None if item.state.get() == UploadState::Done => 100,
        None => 0,
    };
    let status = move || match item.state.get() {
        UploadState::Uploading => format!("{}%", percent()),
        UploadState::Done => "Uploaded".to_string(),
        UploadState::Failed(message) => message,
    };
    let class = move || match item.state.get() {
        UploadState::Uploading => "upload-row",
        UploadState::Done => "upload-row done",
        UploadState::Failed(_) => "upload-row failed",
    };
    let label = format!("Uploading {}", item.name);
    view! {
        <li class=class>
            <div class="upload-name">
                <span class="mono break">{item.key.clone()}</span>
                <span class="muted small">{crate::api::buckets::human_size(item.size)}</span>
            </div>
            <div class="progress" role="progressbar" aria-label=label
                aria-valuemin="0" aria-valuemax="100" aria-valuenow=move || percent().to_string()>
                <div class="progress-fill" style=move || format!("width: {}%", percent())></div>
            </div>
            <span class="upload-status small" role="status">{status}</span>
        </li>
    }
}
