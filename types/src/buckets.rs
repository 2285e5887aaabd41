//! The bucket browser's data, as the browser sees it, and the addresses of its pages and of
//! the server's streaming routes (`/s3/upload/{bucket}?key=`, `/s3/download/{bucket}?key=`).

use serde::{Deserialize, Serialize};

/// The answer of an object request that the page shows in place: a refusal is not an error
/// page, it says "Access denied" for that bucket and action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Access<T> {
    Granted(T),
    Denied,
    /// The held role's session is over: switch again.
    Expired,
    /// No such bucket or key (message safe to show).
    NotFound(String),
    /// The request was refused as malformed (message safe to show).
    Invalid(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketRow {
    pub name: String,
    /// RFC 3339.
    pub created: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRow {
    pub key: String,
    pub size: u64,
    /// RFC 3339.
    pub last_modified: String,
    pub etag: String,
}

/// One page (at most 1000 entries) of a folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectPage {
    /// Common prefixes (sub-folders), full keys ending in `/`.
    pub folders: Vec<String>,
    pub objects: Vec<ObjectRow>,
    /// Present when more entries follow.
    pub next_token: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectDetails {
    pub bucket: String,
    pub key: String,
    pub size: u64,
    pub etag: String,
    pub content_type: Option<String>,
    pub last_modified: String,
    pub metadata: Vec<(String, String)>,
    pub arn: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteSummary {
    pub deleted: Vec<String>,
    /// Key and a message safe to show.
    pub failed: Vec<(String, String)>,
}

/// Entries of one listing page (S3's largest).
pub const PAGE_SIZE: usize = 1000;
/// The most keys one delete request takes, as S3's DeleteObjects.
pub const MAX_DELETE_KEYS: usize = 1000;

/// `https://…/s3/download/{bucket}?key=…`: the key travels in the query so that no key
/// (`..`, `//`, a trailing `/`) is ever rewritten as a path.
pub fn download_url(bucket: &str, key: &str) -> String {
    format!("/s3/download/{}?key={}", encode(bucket), encode(key))
}

pub fn upload_url(bucket: &str, key: &str) -> String {
    format!("/s3/upload/{}?key={}", encode(bucket), encode(key))
}

/// The bucket view of a folder.
pub fn folder_url(bucket: &str, prefix: &str) -> String {
    if prefix.is_empty() {
        format!("/s3/buckets/{}", encode(bucket))
    } else {
        format!("/s3/buckets/{}?prefix={}", encode(bucket), encode(prefix))
    }
}

pub fn object_url(bucket: &str, key: &str) -> String {
    format!("/s3/object/{}?key={}", encode(bucket), encode(key))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `1.5 KB`-style sizes, as the AWS console writes them (powers of 1024).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_travel_in_the_query_fully_encoded() {
        assert_eq!(
            download_url("productionapp", "../a b/ü?x=1&y"),
            "/s3/download/productionapp?key=..%2Fa%20b%2F%C3%BC%3Fx%3D1%26y"
        );
        assert_eq!(folder_url("b", "app/"), "/s3/buckets/b?prefix=app%2F");
        assert_eq!(folder_url("b", ""), "/s3/buckets/b");
    }

    #[test]
    fn sizes_read_like_the_aws_console() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KB");
        assert_eq!(human_size(5 << 30), "5.0 GB");
    }
}
