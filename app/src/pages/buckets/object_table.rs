//! The object table of the folder view: folders first, sortable columns, selection and paging.
//!
//! It uses none of the pages, so the few small pieces they share live here too.

use leptos::prelude::*;

use crate::api::buckets::{ObjectPage, download_url, folder_url, human_size, object_url};
use crate::tab::{tab_href, tab_route};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SortBy {
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
pub(super) fn ObjectTable(
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
                                                <a class="object-link folder-link" href=tab_href(&folder_url(&bucket, &folder))>
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
                                                <a class="object-link" href=tab_href(&object_url(&bucket, &key))>
                                                    <span class="icon file-icon" aria-hidden="true"></span>
                                                    <span class="break">{name.clone()}</span>
                                                </a>
                                            </td>
                                            <td class="muted">{kind}</td>
                                            <td class="muted nowrap">{short_time(&modified)}</td>
                                            <td class="nowrap">{human_size(size)}</td>
                                            <td class="actions">
                                                <a class="button small" href=tab_route(&download_url(&bucket, &key)) download=name.clone()
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

// The pages' helpers below live here: every page may use this module, and it uses none of them.

// Used by the table, the bucket list and the object details.
/// `2025-01-31T09:05:07.123Z` → `2025-01-31 09:05:07 UTC`.
pub(super) fn short_time(rfc3339: &str) -> String {
    let (date, time) = rfc3339.split_once('T').unwrap_or((rfc3339, ""));
    let time = time.get(..8).unwrap_or(time);
    if time.is_empty() {
        date.to_string()
    } else {
        format!("{date} {time} UTC")
    }
}

// Used by the three pages, not by the table.
#[component]
pub(super) fn Denied(what: String) -> impl IntoView {
    view! {
        <div class="alert error access-denied" role="alert">
            <strong>"Access denied"</strong>
            <p>{what}</p>
            <p class="small">"Your administrator can tell you which permissions you need. Switching to another role may help."</p>
        </div>
    }
}

// Used by the three pages, not by the table.
#[component]
pub(super) fn Expired() -> impl IntoView {
    view! {
        <div class="alert warning" role="alert">
            "Your role session has expired. " <a href=tab_href("/switchrole")>"Switch role again"</a>
            " to continue."
        </div>
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
