//! What the store accepts as bucket names, keys, content types and metadata.

use std::collections::BTreeMap;

use super::StoreError;

/// S3's limit on a key: 1024 bytes of UTF-8.
pub const MAX_KEY_BYTES: usize = 1024;
/// S3's limit on user metadata: the UTF-8 bytes of names plus values.
pub const MAX_METADATA_BYTES: usize = 2048;
const MAX_CONTENT_TYPE_BYTES: usize = 256;

pub(crate) const KEY_TOO_LONG: &str = "a key is at most 1024 bytes of UTF-8";

/// S3 general purpose bucket naming rules. The same rules as the directory
/// loader applies; repeated here because buckets can also be created at run
/// time, and a valid name is also a safe directory name (no `/`, no `..`).
pub fn check_bucket_name(name: &str) -> Result<(), StoreError> {
    let bad = |reason: String| Err(StoreError::InvalidBucketName { reason });
    let b = name.as_bytes();
    if b.len() < 3 || b.len() > 63 {
        return bad("a bucket name is 3 to 63 characters long".into());
    }
    let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !b.iter().all(|&c| edge(c) || c == b'.' || c == b'-') || !edge(b[0]) || !edge(b[b.len() - 1])
    {
        return bad(
            "a bucket name holds lowercase letters, digits, dots and hyphens, and starts and ends with a letter or digit"
                .into(),
        );
    }
    if name.contains("..") {
        return bad("a bucket name must not hold two adjacent dots".into());
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return bad("a bucket name must not be formatted as an IP address".into());
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return bad(format!("a bucket name must not start with \"{prefix}\""));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return bad(format!("a bucket name must not end with \"{suffix}\""));
        }
    }
    Ok(())
}

/// Any non-empty UTF-8 string of at most 1024 bytes is a key, as in S3:
/// `/`, `..`, `//`, NUL and control characters included. Keys never become
/// paths (see the module documentation), so none of them is dangerous here;
/// the web layer escapes them wherever they are shown.
pub fn check_key(key: &str) -> Result<(), StoreError> {
    if key.is_empty() {
        return Err(StoreError::InvalidKey {
            reason: "a key must not be empty",
        });
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(StoreError::InvalidKey {
            reason: KEY_TOO_LONG,
        });
    }
    Ok(())
}

/// A content type goes out in a `Content-Type` header: no control
/// characters (no header injection), not empty, at most 256 bytes.
pub(crate) fn check_content_type(content_type: &str) -> Result<(), StoreError> {
    let bad = |reason| Err(StoreError::InvalidContentType { reason });
    if content_type.is_empty() {
        return bad("a content type must not be empty");
    }
    if content_type.len() > MAX_CONTENT_TYPE_BYTES {
        return bad("a content type is at most 256 bytes");
    }
    if content_type.chars().any(char::is_control) {
        return bad("a content type must not hold control characters");
    }
    Ok(())
}

/// User metadata (`x-amz-meta-NAME: VALUE`): names are HTTP header tokens,
/// kept lowercase as S3 does; values hold no control characters; names plus
/// values at most 2 KiB. Returns the metadata with lowercase names.
pub(crate) fn normalize_metadata(
    metadata: BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, StoreError> {
    let bad = |reason: String| Err(StoreError::InvalidMetadata { reason });
    let mut out = BTreeMap::new();
    let mut total = 0usize;
    for (name, value) in metadata {
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(token) {
            return bad(format!(
                "the name {name:?} must be a non-empty HTTP header token"
            ));
        }
        if value.chars().any(char::is_control) {
            return bad(format!(
                "the value of {name:?} must not hold control characters"
            ));
        }
        total += name.len() + value.len();
        let lower = name.to_ascii_lowercase();
        if out.insert(lower, value).is_some() {
            return bad(format!(
                "the name {name:?} appears twice (names are case-insensitive)"
            ));
        }
    }
    if total > MAX_METADATA_BYTES {
        return bad(format!(
            "names and values take {total} bytes, more than {MAX_METADATA_BYTES}"
        ));
    }
    Ok(out)
}

/// The smallest string greater than every string that starts with `s`, or
/// `None` if there is none. UTF-8 byte order is code point order, so this is
/// `s` with its last incrementable character incremented and what follows
/// it dropped. Listings use it to jump over every key of a common prefix.
pub(crate) fn successor(s: &str) -> Option<String> {
    let mut chars: Vec<char> = s.chars().collect();
    while let Some(c) = chars.pop() {
        let next = match c {
            '\u{D7FF}' => Some('\u{E000}'),
            _ => char::from_u32(u32::from(c) + 1),
        };
        if let Some(n) = next {
            chars.push(n);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        assert!(check_bucket_name("productionapp").is_ok());
        assert!(check_bucket_name("production-logs").is_ok());
        for bad in [
            "ab",
            "Production",
            "192.168.5.4",
            "a..b",
            "-ab",
            "a/b",
            "..",
            "xn--ab",
        ] {
            assert!(check_bucket_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn successor_jumps_over_a_prefix() {
        assert_eq!(successor("a/").as_deref(), Some("a0"));
        assert_eq!(successor("").as_deref(), None);
        assert_eq!(successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(successor("\u{10FFFF}").as_deref(), None);
        assert_eq!(successor("x\u{D7FF}").as_deref(), Some("x\u{E000}"));
        let s = successor("é/").unwrap_or_default();
        assert!("é/zzz" < s.as_str() && s.as_str() <= "é0");
    }

    #[test]
    fn metadata_rules() {
        let m = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
        let ok = normalize_metadata(m("Color", "blue é")).ok();
        assert_eq!(ok, Some(m("color", "blue é")));
        assert!(normalize_metadata(m("a b", "x")).is_err());
        assert!(normalize_metadata(m("a", "x\r\nSet-Cookie: y")).is_err());
        assert!(normalize_metadata(m("a", &"x".repeat(2048))).is_err());
        let twice = BTreeMap::from([("A".into(), "1".into()), ("a".into(), "2".into())]);
        assert!(normalize_metadata(twice).is_err());
        assert!(check_content_type("text/html; charset=utf-8").is_ok());
        assert!(check_content_type("text/html\r\nX: y").is_err());
    }
}
