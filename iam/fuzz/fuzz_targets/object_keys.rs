//! Object keys, bucket names and ListObjectsV2 paging.
//!
//! The input is text, one field a line: prefix, delimiter, start-after (empty: none), max-keys
//! (not a number: none), a continuation token to try as sent (empty: none), then the keys.
//! Every line also goes through the key and bucket-name checks. The keys that are valid make a
//! bucket's index; paging through it with the next-page tokens must give exactly what a
//! straightforward listing gives (each object or common prefix once, in order, with pages no
//! larger than asked), and a token sent by a client must be decoded or refused, never panic.
#![no_main]

use std::collections::BTreeMap;

use iam::store::{ListRequest, MAX_KEY_BYTES, check_bucket_name, check_key, list_index};
use iam::{ObjectInfo, StoreError};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, PartialEq, Eq)]
enum Entry {
    Object(String),
    CommonPrefix(String),
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let prefix = lines.next().unwrap_or("").to_string();
    let delimiter = lines.next().unwrap_or("").to_string();
    let start_after = lines.next().filter(|s| !s.is_empty()).map(str::to_string);
    let max_keys = lines.next().and_then(|s| s.parse::<usize>().ok());
    let token = lines.next().filter(|s| !s.is_empty()).map(str::to_string);
    let keys: Vec<&str> = lines.collect();

    for line in text.split('\n') {
        check_names(line);
    }
    let index: BTreeMap<String, ObjectInfo> = keys
        .iter()
        .filter(|k| check_key(k).is_ok())
        .map(|k| (k.to_string(), info(k)))
        .collect();
    let request = ListRequest {
        prefix: Some(prefix.clone()),
        delimiter: Some(delimiter.clone()),
        continuation_token: None,
        start_after: start_after.clone(),
        max_keys,
    };

    if let Some(token) = token {
        let sent = ListRequest {
            continuation_token: Some(token),
            ..request.clone()
        };
        match list_index(&index, &sent) {
            Ok(page) => check_page(&page, max_keys),
            Err(StoreError::InvalidContinuationToken | StoreError::InvalidArgument { .. }) => {}
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }

    if max_keys == Some(0) {
        assert!(matches!(
            list_index(&index, &request),
            Err(StoreError::InvalidArgument { .. })
        ));
        return;
    }
    let expected = model(&index, &prefix, &delimiter, start_after.as_deref());
    let mut listed = Vec::new();
    let mut request = request;
    loop {
        let page = list_index(&index, &request).expect("a listing with a token it gave");
        check_page(&page, max_keys);
        let mut entries: Vec<Entry> = page
            .objects
            .iter()
            .map(|o| Entry::Object(o.key.clone()))
            .chain(
                page.common_prefixes
                    .iter()
                    .cloned()
                    .map(Entry::CommonPrefix),
            )
            .collect();
        entries.sort_by(|a, b| name(a).cmp(name(b)));
        if page.is_truncated {
            assert!(!entries.is_empty(), "a truncated page with nothing on it");
        }
        listed.extend(entries);
        assert!(
            listed.len() <= expected.len(),
            "more entries than the bucket has"
        );
        match page.next_continuation_token {
            Some(token) => request.continuation_token = Some(token),
            None => break,
        }
    }
    assert_eq!(listed, expected);
});

fn name(entry: &Entry) -> &str {
    match entry {
        Entry::Object(s) | Entry::CommonPrefix(s) => s,
    }
}

fn check_page(page: &iam::ListPage, max_keys: Option<usize>) {
    let max = max_keys.unwrap_or(1000).min(1000);
    assert_eq!(
        page.key_count,
        page.objects.len() + page.common_prefixes.len()
    );
    assert!(page.key_count <= max);
    assert_eq!(page.is_truncated, page.next_continuation_token.is_some());
}

/// ListObjectsV2 by its definition: the keys after `start_after` under `prefix`, in order, each
/// that holds `delimiter` after the prefix rolled up into one common prefix.
fn model(
    index: &BTreeMap<String, ObjectInfo>,
    prefix: &str,
    delimiter: &str,
    start_after: Option<&str>,
) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for key in index.keys() {
        if !key.starts_with(prefix) || start_after.is_some_and(|after| key.as_str() <= after) {
            continue;
        }
        let rest = &key[prefix.len()..];
        let entry = match rest.find(delimiter).filter(|_| !delimiter.is_empty()) {
            Some(at) => Entry::CommonPrefix(key[..prefix.len() + at + delimiter.len()].to_string()),
            None => Entry::Object(key.clone()),
        };
        if out.last() != Some(&entry) {
            out.push(entry);
        }
    }
    out
}

fn check_names(line: &str) {
    assert_eq!(
        check_key(line).is_ok(),
        !line.is_empty() && line.len() <= MAX_KEY_BYTES,
        "{line:?}"
    );
    if check_bucket_name(line).is_ok() {
        // A bucket name becomes a directory name.
        assert!((3..=63).contains(&line.len()), "{line:?}");
        assert!(
            line.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'),
            "{line:?}"
        );
        assert!(!line.contains("..") && !line.starts_with('.'), "{line:?}");
    }
}

fn info(key: &str) -> ObjectInfo {
    ObjectInfo {
        key: key.to_string(),
        size: 0,
        etag: "\"d41d8cd98f00b204e9800998ecf8427e\"".to_string(),
        content_type: None,
        metadata: BTreeMap::new(),
        last_modified: time::OffsetDateTime::UNIX_EPOCH,
    }
}
