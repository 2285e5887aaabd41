//! ListObjectsV2 checked by example and against a reference model.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use time::OffsetDateTime;

use super::list::list_page;
use super::{ListRequest, ObjectInfo, StoreError};

fn index(keys: &[&str]) -> BTreeMap<String, ObjectInfo> {
    keys.iter()
        .map(|k| {
            let info = ObjectInfo {
                key: k.to_string(),
                size: k.len() as u64,
                etag: String::new(),
                content_type: None,
                metadata: BTreeMap::new(),
                last_modified: OffsetDateTime::UNIX_EPOCH,
            };
            (k.to_string(), info)
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Entry {
    Key(String),
    Prefix(String),
}

impl Entry {
    fn name(&self) -> &str {
        match self {
            Entry::Key(s) | Entry::Prefix(s) => s,
        }
    }
}

/// Follows continuation tokens to the end; checks each page's shape.
fn list_all(
    objects: &BTreeMap<String, ObjectInfo>,
    req: &ListRequest,
) -> Result<(Vec<Entry>, usize), StoreError> {
    let max = req.max_keys.unwrap_or(1000).min(1000);
    let mut req = req.clone();
    let mut out = Vec::new();
    let mut pages = 0;
    loop {
        let page = list_page(objects, &req)?;
        pages += 1;
        assert_eq!(
            page.key_count,
            page.objects.len() + page.common_prefixes.len()
        );
        assert!(page.key_count <= max);
        assert_eq!(page.is_truncated, page.next_continuation_token.is_some());
        if page.is_truncated {
            assert_eq!(page.key_count, max, "a truncated page is full");
        }
        let mut entries: Vec<Entry> = page
            .objects
            .iter()
            .map(|o| Entry::Key(o.key.clone()))
            .chain(page.common_prefixes.iter().cloned().map(Entry::Prefix))
            .collect();
        entries.sort_by(|a, b| a.name().cmp(b.name()));
        out.extend(entries);
        match page.next_continuation_token {
            Some(token) => req.continuation_token = Some(token),
            None => return Ok((out, pages)),
        }
    }
}

/// The reference: filter, roll up, deduplicate, sort. No cleverness.
fn model(keys: &BTreeSet<String>, req: &ListRequest) -> Vec<Entry> {
    let prefix = req.prefix.clone().unwrap_or_default();
    let delimiter = req.delimiter.clone().filter(|d| !d.is_empty());
    let mut entries = BTreeSet::new();
    for key in keys {
        if !key.starts_with(&prefix) {
            continue;
        }
        if req.start_after.as_ref().is_some_and(|s| key <= s) {
            continue;
        }
        let rest = &key[prefix.len()..];
        match delimiter
            .as_ref()
            .and_then(|d| rest.find(d.as_str()).map(|i| i + d.len()))
        {
            Some(end) => entries.insert(Entry::Prefix(key[..prefix.len() + end].to_string())),
            None => entries.insert(Entry::Key(key.clone())),
        };
    }
    let mut entries: Vec<Entry> = entries.into_iter().collect();
    entries.sort_by(|a, b| a.name().cmp(b.name()));
    entries
}

fn req(prefix: &str, delimiter: &str, max_keys: usize) -> ListRequest {
    ListRequest {
        prefix: Some(prefix.to_string()),
        delimiter: Some(delimiter.to_string()),
        max_keys: Some(max_keys),
        ..ListRequest::default()
    }
}

/// The example of the S3 User Guide ("Organizing objects using prefixes").
#[test]
fn s3_guide_example() {
    let objects = index(&[
        "sample.jpg",
        "photos/2006/January/sample.jpg",
        "photos/2006/February/sample2.jpg",
        "photos/2006/February/sample3.jpg",
        "photos/2006/February/sample4.jpg",
    ]);
    let page = list_page(&objects, &req("", "/", 1000)).expect("list");
    assert_eq!(page.common_prefixes, vec!["photos/".to_string()]);
    assert_eq!(page.objects.len(), 1);
    assert_eq!(page.key_count, 2);
    let page = list_page(&objects, &req("photos/2006/", "/", 1000)).expect("list");
    assert_eq!(
        page.common_prefixes,
        vec![
            "photos/2006/February/".to_string(),
            "photos/2006/January/".to_string()
        ]
    );
    assert!(page.objects.is_empty());
}

#[test]
fn a_common_prefix_counts_once_and_pages_resume_after_it() {
    let mut keys: Vec<String> = (0..50).map(|i| format!("a/{i:03}")).collect();
    keys.extend(["a", "a/", "b", "b/x", "c"].map(String::from));
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let objects = index(&refs);
    let first = list_page(&objects, &req("", "/", 2)).expect("list");
    assert_eq!(first.objects.len(), 1);
    assert_eq!(first.common_prefixes, vec!["a/".to_string()]);
    assert!(first.is_truncated);
    let next = ListRequest {
        continuation_token: first.next_continuation_token.clone(),
        ..req("", "/", 2)
    };
    let second = list_page(&objects, &next).expect("list");
    assert_eq!(second.objects.first().map(|o| o.key.as_str()), Some("b"));
    assert_eq!(second.common_prefixes, vec!["b/".to_string()]);
    // The folder object "a/" is listed under its own prefix.
    let inside = list_page(&objects, &req("a/", "/", 1000)).expect("list");
    assert_eq!(inside.objects.len(), 51);
    assert_eq!(inside.objects.first().map(|o| o.key.as_str()), Some("a/"));
}

#[test]
fn max_keys_and_exact_pages() {
    let objects = index(&["a", "b", "c", "d"]);
    let page = list_page(&objects, &req("", "", 4)).expect("list");
    assert!(!page.is_truncated, "exactly max_keys left is not truncated");
    assert!(page.next_continuation_token.is_none());
    let page = list_page(&objects, &req("", "", 5000)).expect("list");
    assert_eq!(page.key_count, 4);
    assert!(list_page(&objects, &req("", "", 0)).is_err());
    let after = ListRequest {
        start_after: Some("b".into()),
        ..ListRequest::default()
    };
    let page = list_page(&objects, &after).expect("list");
    let keys: Vec<_> = page.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, vec!["c", "d"]);
}

#[test]
fn sorted_by_utf8_bytes() {
    let objects = index(&["é", "z", "Z", "a", "日本", "~", "\u{10FFFF}"]);
    let page = list_page(&objects, &ListRequest::default()).expect("list");
    let keys: Vec<_> = page
        .objects
        .iter()
        .map(|o| o.key.as_bytes().to_vec())
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn a_page_of_a_large_prefix_does_not_walk_it() {
    let keys: Vec<String> = (0..10_000).map(|i| format!("big/{i:05}/x")).collect();
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let objects = index(&refs);
    let (entries, pages) = list_all(&objects, &req("big/", "/", 1000)).expect("list");
    assert_eq!(entries.len(), 10_000);
    assert_eq!(pages, 10);
    let (entries, _) = list_all(&objects, &req("", "/", 1000)).expect("list");
    assert_eq!(entries, vec![Entry::Prefix("big/".into())]);
}

fn key_strategy() -> impl Strategy<Value = String> {
    // A small alphabet so that prefixes and delimiters collide often;
    // '0' sorts right after '/', 'é' and '\u{10FFFF}' test the successor.
    proptest::collection::vec(
        prop::sample::select(vec!['a', 'b', '/', '0', '.', 'é', '\u{10FFFF}']),
        1..7,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

fn small_string() -> impl Strategy<Value = String> {
    proptest::collection::vec(prop::sample::select(vec!['a', 'b', '/', 'é']), 0..3)
        .prop_map(|cs| cs.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn paging_matches_the_reference_model(
        keys in proptest::collection::btree_set(key_strategy(), 0..60),
        prefix in small_string(),
        delimiter in prop::sample::select(vec!["", "/", "a", "/a", "é", "//"]),
        start_after in proptest::option::of(small_string()),
        max_keys in 1usize..8,
    ) {
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let objects = index(&refs);
        let request = ListRequest {
            prefix: Some(prefix),
            delimiter: Some(delimiter.to_string()),
            continuation_token: None,
            start_after,
            max_keys: Some(max_keys),
        };
        let (listed, _) = list_all(&objects, &request).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(listed, model(&keys, &request));
    }
}
