//! An object's details (`/s3/object/{bucket}?key=`): its properties and user-defined metadata.

use leptos::prelude::*;

use crate::components::page::error_message;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::object_table::{Denied, Expired, short_time};
use crate::api::buckets::{
    Access, ObjectDetails, download_url, folder_url, human_size, load_object_details,
};
use crate::components::copy_button::CopyButton;
use crate::tab::{tab_href, tab_route, tab_session};

#[component]
pub fn ObjectDetailsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let bucket = Memo::new(move |_| params.with(|p| p.get("bucket").unwrap_or_default()));
    let key = Memo::new(move |_| query.with(|q| q.get("key").unwrap_or_default()));
    let tab = tab_session();
    let details = Resource::new(
        move || (bucket.get(), key.get()),
        move |(bucket, key)| load_object_details(bucket, tab.clone(), key),
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
                <li><a href=tab_href("/s3")>"Buckets"</a></li>
                <li><a href=move || tab_href(&folder_url(&bucket.get(), ""))>{move || bucket.get()}</a></li>
                {move || {
                    let bucket = bucket.get();
                    let mut so_far = String::new();
                    folder().split_inclusive('/').map(|part| {
                        so_far.push_str(part);
                        view! { <li><a href=tab_href(&folder_url(&bucket, &so_far))>{part.trim_end_matches('/').to_string()}</a></li> }
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
                    Err(e) => view! { <div class="alert error" role="alert">{error_message(&e)}</div> }.into_any(),
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
    let download = tab_route(&download_url(&details.bucket, &details.key));
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
                <div><dt>"Bucket"</dt><dd><a href=tab_href(&folder_url(&details.bucket, ""))>{details.bucket.clone()}</a></dd></div>
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
