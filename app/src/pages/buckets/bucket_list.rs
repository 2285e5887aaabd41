//! The buckets list (`/s3`): every bucket of the account, and the "Go to bucket" form for a
//! role that may not list them.

use leptos::prelude::*;

use crate::components::page::error_message;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use super::object_table::{Denied, Expired, short_time};
use crate::api::buckets::{Access, BucketRow, folder_url, list_buckets};
use crate::tab::{tab_href, tab_session};

/// The "Go to bucket" form: how a role that may not list buckets reaches its own.
#[component]
fn GoToBucket() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let navigate = use_navigate();
    let go = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let bucket = name.get_untracked().trim().to_string();
        if !bucket.is_empty() {
            navigate(&tab_href(&folder_url(&bucket, "")), Default::default());
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

#[component]
pub fn BucketsPage() -> impl IntoView {
    let tab = tab_session();
    let buckets = Resource::new(move || tab.clone(), list_buckets);
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
                    Err(e) => view! { <div class="alert error" role="alert">{error_message(&e)}</div> }.into_any(),
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
                                    <td><a class="object-link bucket-link" href=tab_href(&folder_url(&b.name, ""))>{b.name.clone()}</a></td>
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
