//! ListObjectsV2 over the sorted in-memory index of a bucket.

use std::collections::BTreeMap;
use std::ops::Bound;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::names::successor;
use super::{ObjectInfo, StoreError};

/// S3's largest (and default) page.
pub const MAX_KEYS: usize = 1000;

/// The parameters of ListObjectsV2. Empty `prefix` / `delimiter` mean none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListRequest {
    pub prefix: Option<String>,
    pub delimiter: Option<String>,
    /// `next_continuation_token` of the previous page; wins over `start_after`.
    pub continuation_token: Option<String>,
    /// List only keys after this one (exclusive).
    pub start_after: Option<String>,
    /// 1 or more; `None` and values above 1000 mean 1000, as in S3.
    pub max_keys: Option<usize>,
}

/// One page of a listing. Objects and common prefixes interleave in key
/// order; each common prefix counts once toward `max_keys`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    pub objects: Vec<ObjectInfo>,
    pub common_prefixes: Vec<String>,
    pub is_truncated: bool,
    /// Present exactly when `is_truncated`; opaque to the caller.
    pub next_continuation_token: Option<String>,
    /// `objects.len() + common_prefixes.len()`.
    pub key_count: usize,
}

/// Where the next page resumes. The token is base64url of a tag byte and
/// the last key (`K`) or common prefix (`P`) returned.
enum Resume {
    AfterKey(String),
    PastPrefix(String),
}

fn encode_token(resume: &Resume) -> String {
    let (tag, s) = match resume {
        Resume::AfterKey(k) => (b'K', k),
        Resume::PastPrefix(p) => (b'P', p),
    };
    let mut bytes = Vec::with_capacity(s.len() + 1);
    bytes.push(tag);
    bytes.extend_from_slice(s.as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

fn decode_token(token: &str) -> Result<Resume, StoreError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| StoreError::InvalidContinuationToken)?;
    let (tag, rest) = bytes
        .split_first()
        .ok_or(StoreError::InvalidContinuationToken)?;
    let s = String::from_utf8(rest.to_vec()).map_err(|_| StoreError::InvalidContinuationToken)?;
    match tag {
        b'K' => Ok(Resume::AfterKey(s)),
        b'P' => Ok(Resume::PastPrefix(s)),
        _ => Err(StoreError::InvalidContinuationToken),
    }
}

/// One page of `objects` (the bucket's index, sorted by key in UTF-8 byte
/// order). Costs O(page · log n): keys before the start are never visited,
/// and the keys of a common prefix are jumped over, not walked.
pub(crate) fn list_page(
    objects: &BTreeMap<String, ObjectInfo>,
    req: &ListRequest,
) -> Result<ListPage, StoreError> {
    let max_keys = match req.max_keys {
        None => MAX_KEYS,
        Some(0) => {
            return Err(StoreError::InvalidArgument {
                reason: "max-keys must be at least 1",
            });
        }
        Some(n) => n.min(MAX_KEYS),
    };
    let prefix = req.prefix.as_deref().unwrap_or("");
    let delimiter = req.delimiter.as_deref().filter(|d| !d.is_empty());

    let mut page = ListPage {
        objects: Vec::new(),
        common_prefixes: Vec::new(),
        is_truncated: false,
        next_continuation_token: None,
        key_count: 0,
    };
    let start: Bound<String> = match (&req.continuation_token, &req.start_after) {
        (Some(token), _) => match decode_token(token)? {
            Resume::AfterKey(k) => Bound::Excluded(k),
            Resume::PastPrefix(p) => match successor(&p) {
                Some(s) => Bound::Included(s),
                None => return Ok(page),
            },
        },
        (None, Some(after)) => Bound::Excluded(after.clone()),
        (None, None) => Bound::Included(prefix.to_string()),
    };
    // Never start before the prefix.
    let start = match start {
        Bound::Included(s) | Bound::Excluded(s) if s.as_str() < prefix => {
            Bound::Included(prefix.to_string())
        }
        other => other,
    };

    let mut last: Option<Resume> = None;
    let mut range = objects.range::<str, _>((start.as_ref().map(String::as_str), Bound::Unbounded));
    while let Some((key, info)) = range.next() {
        if !key.starts_with(prefix) {
            break;
        }
        if page.key_count == max_keys {
            page.is_truncated = true;
            break;
        }
        page.key_count += 1;
        let rest = &key[prefix.len()..];
        match delimiter.and_then(|d| rest.find(d).map(|at| prefix.len() + at + d.len())) {
            Some(end) => {
                let common = &key[..end];
                page.common_prefixes.push(common.to_string());
                last = Some(Resume::PastPrefix(common.to_string()));
                match successor(common) {
                    Some(next) => {
                        range = objects
                            .range::<str, _>((Bound::Included(next.as_str()), Bound::Unbounded));
                    }
                    None => break,
                }
            }
            None => {
                page.objects.push(info.clone());
                last = Some(Resume::AfterKey(key.clone()));
            }
        }
    }
    if page.is_truncated {
        page.next_continuation_token = last.as_ref().map(encode_token);
    }
    Ok(page)
}
